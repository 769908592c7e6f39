// Context of docs/cluster.md's blocks: the trainer of the page's program.
struct MyTrainer {
    explicit MyTrainer(int gpu);
    evonas::Fitness evaluate(const evonas::Genome<>& genome, const evonas::JobContext& ctx);
};
