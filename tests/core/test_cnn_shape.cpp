// Shape inference and shape repair of CNN genomes (genome/cnn_shape.hpp):
// hand-computed shapes, parameters and padding for every layer type, each
// repair rule, and a property loop over thousands of random genomes.
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/space/cnn_space.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using Shape = std::vector<std::int64_t>;

evonas::CnnDataShape data(std::int64_t channels, Shape spatial, std::int64_t classes = 10) {
    return {channels, std::move(spatial), classes};
}

evonas::CnnShapeReport infer(const std::string& text, const evonas::SearchSpace& space, const evonas::CnnDataShape& shape) {
    return evonas::infer_cnn_shapes(evonas::parse_genome(text, space), space, shape);
}

}  // namespace

TEST_CASE("a 2-D network: shapes, padding and parameters per layer", "[cnn_shape]") {
    const auto space = evonas::cnn_space(2);
    const auto r = infer("conv(k=3,s=1,f=16,pad=same,bn=1) pool(type=max,k=2,s=2) conv(k=5,f=8,pad=valid,bn=0,act=tanh) "
                         "| dense(u=32) dropout(p=0.5)",
                         space, data(3, {28, 28}));
    REQUIRE(r.ok());
    REQUIRE(r.layers.size() == 7);  // conv pool conv flatten dense dropout output
    CHECK(r.layers[0].output == Shape{16, 28, 28});
    CHECK(r.layers[0].padding == std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {1, 1}});
    CHECK(r.layers[0].params == 3 * 16 * 9 + 2 * 16);  // no bias before batch norm
    CHECK(r.layers[1].output == Shape{16, 14, 14});
    CHECK(r.layers[2].output == Shape{8, 10, 10});
    CHECK(r.layers[2].params == 16 * 8 * 25 + 8);  // bias without batch norm
    CHECK(r.layers[3].layer.kind == evonas::CnnLayerKind::flatten);
    CHECK(r.layers[3].output == Shape{800});
    CHECK(r.layers[4].output == Shape{32});
    CHECK(r.layers[4].params == 800 * 32 + 32);
    CHECK(r.layers[5].output == Shape{32});
    CHECK(r.layers[6].layer.kind == evonas::CnnLayerKind::output);
    CHECK(r.layers[6].text == "output(classes=10)");
    CHECK(r.layers[6].params == 32 * 10 + 10);
    CHECK(r.output == Shape{10});
    std::int64_t total = 0;
    double flops = 0;
    for (const auto& l : r.layers) {
        total += l.params;
        flops += l.flops;
    }
    CHECK(r.params == total);
    CHECK(r.flops == flops);
    // conv 1: 2 * 3*9 MACs * 16*28*28 outputs + batch norm 2/element + relu 1/element
    CHECK(r.layers[0].flops == 2.0 * 27 * 16 * 784 + 3.0 * 16 * 784);
    CHECK(r.table().find("output(classes=10)") != std::string::npos);
}

TEST_CASE("same padding: ceil(n / s) outputs, the odd element after", "[cnn_shape]") {
    const auto space = evonas::cnn_space(1);
    struct Case {
        int k, s, n;
        std::int64_t out, before, after;
    };
    for (const auto& c : {Case{4, 1, 10, 10, 1, 2}, Case{3, 2, 7, 4, 1, 1}, Case{4, 3, 10, 4, 1, 2},
                          Case{2, 2, 8, 4, 0, 0}, Case{7, 1, 3, 3, 3, 3}, Case{1, 3, 5, 2, 0, 0}}) {
        const auto r = infer(fmt::format("conv(k={},s={},f=8,pad=same) |", c.k, c.s), space, data(1, {c.n}));
        INFO("k=" << c.k << " s=" << c.s << " n=" << c.n);
        REQUIRE(r.ok());
        CHECK(r.layers[0].output == Shape{8, c.out});
        CHECK(r.layers[0].padding.at(0) == std::pair<std::int64_t, std::int64_t>{c.before, c.after});
    }
}

TEST_CASE("every features layer type in 1-D and 3-D", "[cnn_shape]") {
    SECTION("1-D") {
        const auto space = evonas::cnn_space(1);
        const auto r = infer("dilconv(k=3,d=2,f=8,pad=valid) dilconv(k=2,d=3,f=8,pad=same) sepconv(k=3,s=2,f=16,bn=0) "
                             "lrn(size=3) dropout(p=0.1) pool(type=avg,k=3,s=1) |",
                             space, data(2, {20}, 3));
        REQUIRE(r.ok());
        CHECK(r.layers[0].output == Shape{8, 16});  // effective kernel 5, valid
        CHECK(r.layers[0].params == 2 * 8 * 3 + 16);  // bn=1: 2 per filter
        CHECK(r.layers[1].output == Shape{8, 16});  // effective kernel 4: padding 1 before, 2 after
        CHECK(r.layers[1].padding.at(0) == std::pair<std::int64_t, std::int64_t>{1, 2});
        CHECK(r.layers[2].output == Shape{16, 8});
        CHECK(r.layers[2].params == 8 * 3 + 8 * 16 + 16);  // depthwise (no bias) + pointwise + bias
        CHECK(r.layers[3].output == Shape{16, 8});
        CHECK(r.layers[3].params == 0);
        CHECK(r.layers[4].output == Shape{16, 8});
        CHECK(r.layers[5].output == Shape{16, 6});
        CHECK(r.layers[6].output == Shape{96});  // flatten; the classifier is empty
        CHECK(r.layers[7].params == 96 * 3 + 3);
    }
    SECTION("3-D") {
        const auto space = evonas::cnn_space(3);
        const auto r = infer("conv(k=3,s=2,f=4) pool(k=2,s=2) | dense(u=16,act=none)", space, data(1, {9, 8, 7}));
        REQUIRE(r.ok());
        CHECK(r.layers[0].output == Shape{4, 5, 4, 4});
        CHECK(r.layers[0].params == 1 * 4 * 27 + 8);
        CHECK(r.layers[1].output == Shape{4, 2, 2, 2});
        CHECK(r.layers[2].output == Shape{32});
    }
}

TEST_CASE("a layer that does not fit is reported, not repaired, by infer_cnn_shapes", "[cnn_shape]") {
    const auto space = evonas::cnn_space(2);
    const auto r = infer("conv(k=7,f=8,pad=valid) |", space, data(1, {5, 9}));
    CHECK_FALSE(r.ok());
    CHECK(r.problem ==
          "section 0 layer 0 conv(k=7,s=1,f=8,pad=valid,act=relu,bn=1): kernel 7 is larger than the input extent 5 "
          "(pad=valid)");
    const auto free_space = evonas::cnn_space(2, {.require_convolution = false});
    CHECK(infer("pool(k=4,s=1) |", free_space, data(1, {3, 3})).problem ==
          "section 0 layer 0 pool(type=max,k=4,s=1): pooling window 4 is larger than the input extent 3");
}

TEST_CASE("repair: a valid-padding kernel shrinks to the input", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(2);
    auto g = evonas::parse_genome("conv(k=7,f=8,pad=valid) conv(k=3,f=8,pad=valid) |", space);
    const auto r = evonas::repair_cnn_genome(g, space, data(1, {6, 9}));
    REQUIRE(r.valid);
    CHECK(r.repaired());
    // 6 -> k=6 gives 1; then the second conv (k=3) on 1x4 shrinks to 1
    CHECK(evonas::to_text(g, space).starts_with(
        "conv(k=6,s=1,f=8,pad=valid,act=relu,bn=1) conv(k=1,s=1,f=8,pad=valid,act=relu,bn=1) |"));
    REQUIRE(r.changes.size() == 2);
    CHECK(r.changes[0] == "section 0 layer 0: kernel 7 -> 6 to fit the input extent 6 "
                          "(conv(k=7,s=1,f=8,pad=valid,act=relu,bn=1))");
    CHECK(r.report.ok());
    CHECK(r.report.layers[1].output == Shape{8, 1, 4});
}

TEST_CASE("repair: dilation shrinks first, then the kernel, then the layer goes", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(1);
    auto g = evonas::parse_genome("dilconv(k=3,d=4,f=8,pad=valid) |", space);
    auto r = evonas::repair_cnn_genome(g, space, data(1, {6}));
    REQUIRE(r.valid);
    CHECK(evonas::to_text(g, space).starts_with("dilconv(k=3,d=2,"));  // 2*(3-1)+1 = 5 <= 6

    g = evonas::parse_genome("dilconv(k=5,d=2,f=8,pad=valid) |", space);
    r = evonas::repair_cnn_genome(g, space, data(1, {3}));
    REQUIRE(r.valid);
    CHECK(evonas::to_text(g, space).starts_with("dilconv(k=3,d=1,"));

    g = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) dilconv(k=2,d=1,f=8,pad=valid) |", space);
    r = evonas::repair_cnn_genome(g, space, data(1, {2}));
    REQUIRE(r.valid);
    CHECK(g.section(0).size() == 2);  // the dilconv on 1 element was removed
    CHECK(r.changes.back().find("removed dilconv") != std::string::npos);
}

TEST_CASE("repair: a pooling window shrinks, or the pooling goes", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(2);
    auto g = evonas::parse_genome("conv(k=3,f=8) pool(k=4,s=2) |", space);
    auto r = evonas::repair_cnn_genome(g, space, data(1, {3, 8}));
    REQUIRE(r.valid);
    CHECK(evonas::to_text(g, space).starts_with("conv(k=3,s=1,f=8,pad=same,act=relu,bn=1) pool(type=max,k=3,s=2) |"));
    CHECK(r.report.layers[1].output == Shape{8, 1, 3});

    g = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) pool(k=2,s=2) |", space);
    r = evonas::repair_cnn_genome(g, space, data(1, {2, 2}));
    REQUIRE(r.valid);
    CHECK(g.section(0).size() == 2);
    REQUIRE(r.changes.size() == 1);
    CHECK(r.changes[0] == "section 0 layer 2: removed pool(type=max,k=2,s=2) (input extent 1)");
}

TEST_CASE("repair: a removal below the section's minimum makes the genome invalid", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(2, {.min_feature_layers = 1, .require_convolution = false});
    auto g = evonas::parse_genome("pool(k=2) |", space);
    const auto r = evonas::repair_cnn_genome(g, space, data(1, {1, 1}));
    CHECK_FALSE(r.valid);
    CHECK(r.problem == "section 0 layer 0: pool(type=max,k=2,s=2) does not fit the input extent 1 and cannot be "
                       "removed: section 'features' needs at least 1 layers");
}

TEST_CASE("repair: the only convolution of a space that requires one is never removed", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(2);
    auto g = evonas::parse_genome("dilconv(k=3,d=4,pad=valid) pool(k=2) |", space);
    const auto r = evonas::repair_cnn_genome(g, space, data(1, {1, 1}));
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("cannot be removed: it is the only layer of section 'features' of a type the section "
                         "requires") != std::string::npos);
    // With a second convolution that fits, the misfit goes and the genome stays valid.
    auto h = evonas::parse_genome("dilconv(k=3,d=4,pad=valid) conv(k=1) |", space);
    const auto r2 = evonas::repair_cnn_genome(h, space, data(1, {1, 1}));
    CHECK(r2.valid);
    CHECK(evonas::is_valid(h, space));
}

TEST_CASE("repair: limits, genomes outside the space and bad shapes are rejected", "[cnn_shape][repair]") {
    const auto space = evonas::cnn_space(2);
    auto g = evonas::parse_genome("conv(k=3,f=256) | dense(u=1024)", space);
    auto r = evonas::repair_cnn_genome(g, space, data(1, {32, 32}), {.max_params = 1'000'000});
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("parameters, more than the limit of 1000000 (CnnLimits.max_params)") != std::string::npos);
    r = evonas::repair_cnn_genome(g, space, data(1, {32, 32}), {.max_flops = 1e6});
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("(CnnLimits.max_flops)") != std::string::npos);
    CHECK(evonas::repair_cnn_genome(g, space, data(1, {32, 32}), {.max_params = 300'000'000}).valid);

    auto broken = g;
    broken.section(0)[0].values[0] = 99;  // k outside the space
    r = evonas::repair_cnn_genome(broken, space, data(1, {32, 32}));
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("k=99 is outside the space") != std::string::npos);

    CHECK_THROWS_WITH(evonas::repair_cnn_genome(g, space, data(1, {32})),
                      "CnnDataShape.spatial: space 'cnn2d' is for 2-D inputs, the data has 1 spatial axes");
    CHECK_THROWS_WITH(evonas::infer_cnn_shapes(g, space, data(0, {4, 4})), "CnnDataShape.channels: must be at least 1, got 0");
    CHECK_THROWS_WITH(evonas::infer_cnn_shapes(g, space, data(1, {4, 0})),
                      "CnnDataShape.spatial: extents must be at least 1, got 0");
    CHECK_THROWS_WITH(evonas::infer_cnn_shapes(g, space, data(1, {4, 4}, 1)), "CnnDataShape.classes: must be at least 2, got 1");
}

TEST_CASE("a space whose layer types the CNN interpreter does not know is rejected", "[cnn_shape][repair]") {
    const evonas::SearchSpace space("odd", {evonas::LayerType{"attention", {evonas::ParamSpec::integer("heads", 1, 8, 2)}}},
                                    {evonas::SectionSpace{"features", {{"attention", 1.0}}, 1, 2}}, {});
    auto g = evonas::parse_genome("attention(heads=2)", space);
    const auto r = evonas::repair_cnn_genome(g, space, data(1, {8}));
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("layer type 'attention' is not a CNN layer type") != std::string::npos);
}

TEST_CASE("random genomes: repair never throws, and a repaired genome is valid, fits and stays put",
          "[cnn_shape][repair][property]") {
    evonas::Rng rng(20240611);
    std::size_t repaired = 0, invalid = 0, total = 0;
    for (int dims = 1; dims <= 3; ++dims) {
        const auto space = evonas::cnn_space(dims);
        for (int i = 0; i < 1500; ++i) {
            auto g = evonas::random_genome(space, rng);
            evonas::CnnDataShape shape{rng.uniform_int(1, 4), {}, rng.uniform_int(2, 10)};
            for (int a = 0; a < dims; ++a) shape.spatial.push_back(rng.uniform_int(1, dims == 3 ? 12 : 40));
            const auto before = g;
            const auto r = evonas::repair_cnn_genome(g, space, shape);
            ++total;
            if (!r.valid) {
                ++invalid;
                INFO(evonas::to_text(before, space) << " on " << shape.to_string());
                CHECK_FALSE(r.problem.empty());
                continue;
            }
            INFO(evonas::to_text(before, space) << " on " << shape.to_string() << " -> " << evonas::to_text(g, space));
            CHECK(evonas::is_valid(g, space));
            CHECK(r.report.ok());
            CHECK(r.report.output == Shape{shape.classes});
            CHECK(r.repaired() == (g != before));
            if (!r.repaired()) CHECK(evonas::infer_cnn_shapes(before, space, shape).ok());
            auto again = g;
            const auto r2 = evonas::repair_cnn_genome(again, space, shape);
            CHECK(r2.valid);
            CHECK_FALSE(r2.repaired());
            CHECK(again == g);
            repaired += r.repaired() ? 1 : 0;
        }
    }
    CHECK(total == 4500);
    CHECK(repaired > 100);       // small inputs make many genomes need a repair
    CHECK(invalid < total / 4);  // and most can be repaired
}
