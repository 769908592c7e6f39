// evonas: umbrella header for the evolutionary operators: the concepts, the
// built-in mutations and their MutationMix, crossovers, selections and
// replacements.
#pragma once

#include <evonas/operators/concepts.hpp>
#include <evonas/operators/crossover.hpp>
#include <evonas/operators/mutation_mix.hpp>
#include <evonas/operators/multi_objective.hpp>
#include <evonas/operators/mutations.hpp>
#include <evonas/operators/replacement.hpp>
#include <evonas/operators/selection.hpp>
