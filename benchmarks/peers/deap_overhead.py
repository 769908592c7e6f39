#!/usr/bin/env python3
"""DEAP's cost per evaluation with no training, beside evonas's
bench_overhead (benchmarks/bench_overhead.cpp).

A steady-state loop written with DEAP's toolbox, as a DEAP user would write
evonas's engine: a population of 32 list genomes of 78 genes (12 layers x 6
parameters + 6 globals, each gene an integer index into its parameter's
range, the equivalent fixed-size genome of evonas's cnn_space(2) at its
largest); each step picks parents by tournament (3), crosses two of them
over (one point) with probability 0.5, else mutates a clone (each gene
redrawn with probability 1/78, at least one), evaluates the child with a
trivial fitness (the sum of some genes plus noise) and replaces the worst
member if the child is better. One process, one thread. No lineage log
and no duplicate detection (evonas pays for both in its figures).

    /usr/bin/python3 benchmarks/peers/deap_overhead.py [--jobs 20000] [--repeats 3]

Prints one JSON object on stdout. Needs deap (Debian: python3-deap).
Nothing here asserts a time.
"""
import argparse
import json
import platform
import random
import sys
import time

LAYERS = 12
# The number of values of each parameter of a layer and of the globals.
LAYER_CHOICES = [6, 7, 3, 32, 6, 71]
GLOBAL_CHOICES = [100, 100, 100, 16, 2, 50]
CHOICES = LAYER_CHOICES * LAYERS + GLOBAL_CHOICES
GENES = len(CHOICES)
POPULATION = 32


def setup(base, creator, tools):
    if not hasattr(creator, "OverheadFitness"):
        creator.create("OverheadFitness", base.Fitness, weights=(1.0,))
        creator.create("OverheadGenome", list, fitness=creator.OverheadFitness)
    toolbox = base.Toolbox()
    toolbox.register("genome", lambda: creator.OverheadGenome(random.randrange(c) for c in CHOICES))
    toolbox.register("population", tools.initRepeat, list, toolbox.genome)
    toolbox.register("select", tools.selTournament, tournsize=3)
    toolbox.register("mate", tools.cxOnePoint)

    def mutate(genome):
        changed = False
        for i, c in enumerate(CHOICES):
            if random.random() < 1.0 / GENES:
                genome[i] = random.randrange(c)
                changed = True
        if not changed:
            i = random.randrange(GENES)
            genome[i] = random.randrange(CHOICES[i])
        return (genome,)

    toolbox.register("mutate", mutate)

    def evaluate(genome):
        return (sum(genome[1::6]) + random.random(),)

    toolbox.register("evaluate", evaluate)
    return toolbox


def run(toolbox, jobs):
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    population = toolbox.population(n=POPULATION)
    for g in population:
        g.fitness.values = toolbox.evaluate(g)
    done = POPULATION
    while done < jobs:
        if random.random() < 0.5:
            a, b = (toolbox.clone(p) for p in toolbox.select(population, 2))
            child = toolbox.mate(a, b)[0]
        else:
            child = toolbox.mutate(toolbox.clone(toolbox.select(population, 1)[0]))[0]
        del child.fitness.values
        child.fitness.values = toolbox.evaluate(child)
        done += 1
        worst = min(range(POPULATION), key=lambda i: population[i].fitness)
        if child.fitness > population[worst].fitness:
            population[worst] = child
    return time.perf_counter() - t0, time.process_time() - cpu0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import deap
    from deap import base, creator, tools
    random.seed(1)
    toolbox = setup(base, creator, tools)
    runs = sorted((run(toolbox, args.jobs) for _ in range(max(1, args.repeats))), key=lambda r: r[0])
    wall, cpu = runs[len(runs) // 2]
    case = {
        "name": "deap_steady_state",
        "setup": {"population": POPULATION, "tournament": 3, "crossover_probability": 0.5,
                  "genes": GENES, "lineage_log": False},
        "jobs": args.jobs,
        "repeats": len(runs),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "jobs_per_second": args.jobs / wall,
        "us_per_job": 1e6 * wall / args.jobs,
        "cpu_us_per_job": 1e6 * cpu / args.jobs,
        "wall_seconds_all_runs": [r[0] for r in runs],
    }
    print(json.dumps({
        "benchmark": "deap_overhead",
        "deap_version": deap.__version__,
        "python_version": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "genome": {"layers": LAYERS, "parameters_per_layer": 6, "globals": 6, "genes": GENES},
        "fitness": "sum of one parameter per layer plus noise, returned at once (no training)",
        "cases": [case],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
