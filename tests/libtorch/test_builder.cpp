// The network builder (every layer type in 1-D, 2-D and 3-D; inferred
// shapes against real ones for thousands of random genomes; repair or
// rejection, never a crash; seeded initialisation and dropout under
// concurrency) and data sets (.npy <-> tensors, checks, splits, torch.save).
#include <evonas/libtorch/libtorch.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "cnn_test_space.hpp"

namespace {

namespace lt = evonas::libtorch;
using Shape = std::vector<std::int64_t>;

using evonas::test::narrow_cnn_space;

Shape sizes(const torch::Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end()); }

Shape batch_of(std::int64_t batch, const Shape& sample) {
    Shape s{batch};
    s.insert(s.end(), sample.begin(), sample.end());
    return s;
}

std::string prefix_of(const evonas::CnnLayerReport& r) {
    if (r.layer.kind == evonas::CnnLayerKind::flatten) return "flatten";
    if (r.layer.kind == evonas::CnnLayerKind::output) return "output";
    return fmt::format("{}{}", r.section == 0 ? 'f' : 'c', r.index);
}

/// Runs x through the network one module at a time and checks after each
/// genome layer (its group of modules: f3_pad, f3_conv, f3_bn, f3_act) that
/// the real shape is the inferred one. Returns the final output.
torch::Tensor forward_checking_shapes(const lt::CnnNetwork& built, torch::Tensor x) {
    const auto names = built.net->named_children();
    std::size_t m = 0;
    for (const auto& layer : built.report.layers) {
        const auto prefix = prefix_of(layer);
        while (m < names.size() && names[m].key().substr(0, names[m].key().find('_')) == prefix) {
            x = built.net.ptr()->begin()[static_cast<std::ptrdiff_t>(m)].forward(x);
            ++m;
        }
        INFO("layer " << layer.text);
        REQUIRE(sizes(x) == batch_of(x.size(0), layer.output));
    }
    REQUIRE(m == names.size());
    return x;
}

}  // namespace

TEST_CASE("every layer type builds and runs forward for 1-D, 2-D and 3-D inputs", "[libtorch][builder]") {
    const std::vector<std::string> genomes = {
        "conv(k=3,s=1,f=8,pad=same,act=relu,bn=1) conv(k=4,s=1,f=8,pad=same,act=leaky_relu,bn=0) "
        "conv(k=2,s=1,f=8,pad=valid,act=elu,bn=1) dilconv(k=2,d=2,f=8,pad=same,act=tanh,bn=1) "
        "dilconv(k=3,d=1,f=8,pad=valid,act=sigmoid,bn=0) sepconv(k=3,s=2,f=16,act=none,bn=1) "
        "lrn(size=3) dropout(p=0.3) pool(type=max,k=2,s=1) pool(type=avg,k=2,s=2) "
        "| dense(u=32,act=relu) dropout(p=0.5) dense(u=16,act=elu)",
        "sepconv(k=1,s=1,f=8,act=tanh,bn=0) dropout(p=0) | dense(u=16,act=leaky_relu) dense(u=16,act=tanh) "
        "dense(u=16,act=sigmoid)",
        "conv(k=1,s=3,f=8,pad=valid,act=none,bn=0) | dense(u=16,act=none) dropout(p=0.7)",
        "pool(type=avg,k=3,s=3) |",
    };
    const std::vector<Shape> inputs = {{24}, {16, 16}, {16, 16, 16}};
    for (int dims = 1; dims <= 3; ++dims) {
        // Without the convolution requirement, so that a pooling-only
        // network and an empty classifier build too.
        const auto space = evonas::cnn_space(dims, {.require_convolution = false});
        for (const auto& text : genomes) {
            INFO(dims << "-D: " << text);
            const auto genome = evonas::parse_genome(text, space);
            const evonas::CnnDataShape shape{3, inputs[static_cast<std::size_t>(dims - 1)], 5};
            auto built = lt::build_cnn(genome, space, shape, {.seed = 7});
            CHECK(lt::parameter_count(*built.net) == built.report.params);
            Shape input{4, 3};
            input.insert(input.end(), shape.spatial.begin(), shape.spatial.end());
            const auto x = torch::randn(input);
            built.net->train();
            const auto y = forward_checking_shapes(built, x);
            CHECK(sizes(y) == Shape{4, 5});
            CHECK(torch::isfinite(y).all().item<bool>());
            built.net->eval();
            CHECK(sizes(built.net->forward(x)) == Shape{4, 5});
            y.sum().backward();  // gradients flow through every layer type
        }
    }
    // module names say where each layer comes from
    const auto space = evonas::cnn_space(2);
    const auto built = lt::build_cnn(evonas::parse_genome(genomes[0], space), space, {3, {16, 16}, 5});
    std::vector<std::string> names;
    for (const auto& child : built.net->named_children()) names.push_back(child.key());
    CHECK(names.front() == "f0_conv");
    CHECK(std::find(names.begin(), names.end(), "f1_pad") != names.end());  // k=4 on 16: uneven padding
    CHECK(std::find(names.begin(), names.end(), "f5_depthwise") != names.end());
    CHECK(std::find(names.begin(), names.end(), "f6_lrn") != names.end());
    CHECK(std::find(names.begin(), names.end(), "c1_dropout") != names.end());
    CHECK(names.back() == "output");
}

TEST_CASE("inferred shapes match the real ones for thousands of random genomes", "[libtorch][builder][property]") {
    evonas::Rng rng(5);
    std::size_t built_count = 0, rejected = 0, misfits = 0;
    torch::NoGradGuard no_grad;
    for (int dims = 1; dims <= 3; ++dims) {
        const auto narrow = narrow_cnn_space(dims);
        const auto full = evonas::cnn_space(dims);
        for (int i = 0; i < 700; ++i) {
            const bool use_full = i % 35 == 0;  // some with the real filter and unit ranges
            const auto& space = use_full ? full : narrow;
            auto genome = evonas::random_genome(space, rng);
            evonas::CnnDataShape shape{rng.uniform_int(1, 3), {}, rng.uniform_int(2, 6)};
            for (int a = 0; a < dims; ++a) shape.spatial.push_back(rng.uniform_int(1, dims == 1 ? 40 : dims == 2 ? 14 : 7));
            const auto original = genome;
            INFO(dims << "-D " << shape.to_string() << ": " << evonas::to_text(original, space));
            if (!evonas::infer_cnn_shapes(original, space, shape).ok()) {
                ++misfits;  // the builder refuses what does not fit, with the reason
                CHECK_THROWS_AS(lt::build_cnn(original, space, shape), evonas::ConfigError);
            }
            const auto repair = evonas::repair_cnn_genome(genome, space, shape, {.max_params = 20'000'000});
            if (!repair.valid) {
                ++rejected;
                continue;
            }
            auto built = lt::build_cnn(genome, space, shape, {.seed = static_cast<std::uint64_t>(i)});
            Shape input{2, shape.channels};
            input.insert(input.end(), shape.spatial.begin(), shape.spatial.end());
            built.net->eval();
            const auto y = forward_checking_shapes(built, torch::randn(input));
            CHECK(sizes(y) == Shape{2, shape.classes});
            CHECK(lt::parameter_count(*built.net) == built.report.params);
            ++built_count;
        }
    }
    CHECK(built_count + rejected == 2100);
    CHECK(built_count > 1800);
    CHECK(misfits > 100);
}

TEST_CASE("parameters come from the seed, not the global generator, also in threads", "[libtorch][builder][seed]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8) dropout(p=0.5) | dense(u=16) dropout(p=0.5)", space);
    const evonas::CnnDataShape shape{1, {6, 6}, 3};
    const auto params_of = [](const lt::CnnNetwork& n) {
        std::vector<torch::Tensor> out;
        for (const auto& p : n.net->parameters()) out.push_back(p.detach().clone());
        return out;
    };
    const auto same = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!torch::equal(a[i], b[i])) return false;
        }
        return true;
    };
    torch::manual_seed(1);
    const auto a = params_of(lt::build_cnn(genome, space, shape, {.seed = 42}));
    torch::manual_seed(2);
    const auto b = params_of(lt::build_cnn(genome, space, shape, {.seed = 42}));
    const auto c = params_of(lt::build_cnn(genome, space, shape, {.seed = 43}));
    CHECK(same(a, b));
    CHECK_FALSE(same(a, c));

    // Four threads build and run (with dropout) at once; each equals the sequential result.
    const auto x = torch::randn({4, 1, 6, 6});
    const auto run = [&](std::uint64_t seed) {
        auto built = lt::build_cnn(genome, space, shape, {.seed = seed});
        built.net->train();
        return built.net->forward(x).detach();
    };
    const auto expected0 = run(100);
    const auto expected1 = run(101);
    CHECK_FALSE(torch::equal(expected0, expected1));
    std::vector<torch::Tensor> results(8);
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < results.size(); ++t) {
            threads.emplace_back([&, t] {
                torch::manual_seed(t);  // other code touching the global generator changes nothing
                results[t] = run(100 + t % 2);
            });
        }
    }
    for (std::size_t t = 0; t < results.size(); ++t) CHECK(torch::equal(results[t], t % 2 ? expected1 : expected0));
}

TEST_CASE("SeededDropout: seeded masks, identity in evaluation", "[libtorch][builder][dropout]") {
    lt::SeededDropout a(0.25, lt::make_cpu_generator(9));
    lt::SeededDropout b(0.25, lt::make_cpu_generator(9));
    const auto x = torch::ones({1000});
    const auto ya = a->forward(x);
    CHECK(torch::equal(ya, b->forward(x)));
    const double kept = ya.ne(0).sum().item<double>() / 1000.0;
    CHECK(kept == Approx(0.75).margin(0.05));
    CHECK(ya.max().item<float>() == Approx(1.0f / 0.75f));
    a->eval();
    CHECK(torch::equal(a->forward(x), x));
    CHECK_THROWS_AS(lt::SeededDropout(1.0), evonas::ConfigError);
}

TEST_CASE("FastLocalResponseNorm computes LibTorch's LocalResponseNorm, values and gradients", "[libtorch][builder][lrn]") {
    torch::manual_seed(11);
    for (const Shape& shape : {Shape{4, 1, 17}, Shape{3, 2, 9}, Shape{5, 32, 64}, Shape{2, 7, 6, 5}, Shape{2, 12, 3, 4, 5}}) {
        for (std::int64_t size : {1, 3, 4, 5, 9, 11}) {
            CAPTURE(shape, size);
            // Inputs of very different magnitudes across channels, the case a
            // cumulative sum is most likely to round badly.
            auto x = (torch::randn(shape) * torch::logspace(-2, 2, shape[1]).view({1, shape[1]}).reshape(
                                                 [&] { Shape s(shape.size(), 1); s[1] = shape[1]; return s; }()))
                         .set_requires_grad(true);
            auto y = x.detach().clone().set_requires_grad(true);
            lt::FastLocalResponseNorm fast(size, 1e-4, 0.75, 1.0);
            torch::nn::LocalResponseNorm reference(torch::nn::LocalResponseNormOptions(size).alpha(1e-4).beta(0.75).k(1.0));
            const auto a = fast->forward(x);
            const auto b = reference->forward(y);
            REQUIRE(a.sizes() == b.sizes());
            CHECK(torch::allclose(a, b, 1e-5, 1e-6));
            const auto w = torch::randn(shape);
            (a * w).sum().backward();
            (b * w).sum().backward();
            CHECK(torch::allclose(x.grad(), y.grad(), 1e-4, 1e-5));
        }
    }
    CHECK_THROWS_AS(lt::FastLocalResponseNorm(0), evonas::ConfigError);
}

TEST_CASE("tensors and .npy arrays convert both ways", "[libtorch][dataset][npy]") {
    const auto t = torch::arange(12, torch::kFloat32).reshape({3, 4}).t();  // not contiguous
    const auto array = lt::npy_from_tensor(t);
    CHECK(array.type == evonas::NpyType::float32);
    CHECK(array.shape == Shape{4, 3});
    CHECK(torch::equal(lt::tensor_from_npy(array), t));
    for (auto type : {torch::kBool, torch::kInt8, torch::kInt16, torch::kInt32, torch::kInt64, torch::kUInt8,
                      torch::kFloat16, torch::kFloat64}) {
        const auto v = torch::arange(6).remainder(2).to(type).reshape({2, 3});
        const auto back = lt::tensor_from_npy(evonas::parse_npy(evonas::npy_bytes(lt::npy_from_tensor(v))));
        CHECK(back.scalar_type() == type);
        CHECK(torch::equal(back, v));
    }
    const auto u16 = evonas::NpyArray::from_values<std::uint16_t>({2}, std::vector<std::uint16_t>{7, 65535});
    CHECK(torch::equal(lt::tensor_from_npy(u16), torch::tensor({7, 65535}, torch::kInt64)));
    const auto u64 = evonas::NpyArray::from_values<std::uint64_t>({1}, std::vector<std::uint64_t>{~0ULL});
    CHECK_THROWS_AS(lt::tensor_from_npy(u64), evonas::ConfigError);
    CHECK_THROWS_AS(lt::npy_from_tensor(torch::zeros({2}, torch::kComplexFloat)), evonas::ConfigError);
}

TEST_CASE("make_dataset checks its tensors and names what is wrong", "[libtorch][dataset]") {
    const auto x = torch::zeros({6, 1, 4});
    const auto y = torch::tensor({0, 1, 2, 0, 1, 2});
    const auto d = lt::make_dataset(x.to(torch::kFloat64), y.to(torch::kInt32));
    CHECK(d.inputs.scalar_type() == torch::kFloat32);
    CHECK(d.labels.scalar_type() == torch::kInt64);
    CHECK(d.classes == 3);
    CHECK(d.shape() == evonas::CnnDataShape{1, {4}, 3});
    CHECK(lt::make_dataset(x, torch::zeros({6}, torch::kInt64)).classes == 2);
    CHECK_THROWS_WITH(lt::make_dataset(torch::zeros({6, 4}), y),
                      "dataset.inputs: needs shape [samples, channels, spatial...] with 1 to 3 spatial axes, got 2 axes "
                      "(add a channel axis with unsqueeze(1))");
    CHECK_THROWS_WITH(lt::make_dataset(x, y.to(torch::kFloat32)),
                      "dataset.labels: must be class indices of an integer type, got Float");
    CHECK_THROWS_WITH(lt::make_dataset(x, y.narrow(0, 0, 5)), "dataset.labels: 5 labels for 6 samples");
    CHECK_THROWS_WITH(lt::make_dataset(x, y - 1), "dataset.labels: label -1 is negative");
    CHECK_THROWS_WITH(lt::make_dataset(x, y, 2), "dataset.labels: label 2 is not below the number of classes (2)");
    CHECK_THROWS_WITH(lt::make_dataset(torch::zeros({0, 1, 4}), torch::zeros({0}, torch::kInt64)),
                      "dataset.inputs: has no samples");
    CHECK_THROWS_WITH(lt::make_dataset(x, y.reshape({2, 3})), "dataset.labels: needs shape [samples], got 2 axes");
}

TEST_CASE("split_dataset is stratified and reproducible", "[libtorch][dataset]") {
    std::vector<std::int64_t> labels;
    for (int i = 0; i < 100; ++i) labels.push_back(i < 80 ? 0 : (i < 95 ? 1 : 2));
    const auto d = lt::make_dataset(torch::arange(100, torch::kFloat32).reshape({100, 1, 1}), torch::tensor(labels));
    const auto [train, val] = lt::split_dataset(d, 0.2, 3);
    CHECK(train.size() + val.size() == 100);
    CHECK(torch::bincount(val.labels).equal(torch::tensor({16, 3, 1}, torch::kInt64)));
    const auto [train2, val2] = lt::split_dataset(d, 0.2, 3);
    CHECK(torch::equal(val.inputs, val2.inputs));
    const auto [train3, val3] = lt::split_dataset(d, 0.2, 4);
    CHECK_FALSE(torch::equal(val.inputs, val3.inputs));
    // no sample in both parts
    CHECK(std::get<0>(torch::cat({train.inputs.flatten(), val.inputs.flatten()}).sort()).equal(torch::arange(100, torch::kFloat32)));
    CHECK_THROWS_WITH(lt::split_dataset(d, 1.0), "validation_fraction: must be in (0, 1), got 1");
}

TEST_CASE("data sets load from .npy files and from torch.save dicts", "[libtorch][dataset][python]") {
    const auto dir = std::filesystem::temp_directory_path() / ("evonas_test_dataset_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    evonas::write_npy(dir / "x.npy", lt::npy_from_tensor(torch::rand({10, 2, 5}, torch::kFloat64)));
    evonas::write_npy(dir / "y.npy", lt::npy_from_tensor(torch::arange(10).remainder(4).to(torch::kUInt8)));
    const auto d = lt::load_npy_dataset(dir / "x.npy", dir / "y.npy");
    CHECK(d.shape() == evonas::CnnDataShape{2, {5}, 4});
    evonas::write_npy(dir / "bad_y.npy", lt::npy_from_tensor(torch::zeros({10}, torch::kFloat32)));
    CHECK_THROWS_WITH(lt::load_npy_dataset(dir / "x.npy", dir / "bad_y.npy"),
                      "x.npy.labels: must be class indices of an integer type, got Float");
    CHECK_THROWS_AS(lt::load_npy_dataset(dir / "x.npy", dir / "missing.npy"), evonas::IoError);

    std::ofstream(dir / "junk.pt") << "not a pickle";
    CHECK_THROWS_AS(lt::load_torch_dataset(dir / "junk.pt"), evonas::ParseError);

    if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0) {
        WARN("/usr/bin/python3 with torch not found (Debian: python3-torch); torch.save interop is skipped");
    } else {
        const std::string script =
            "import torch, sys\n"
            "d = sys.argv[1]\n"
            "torch.save({'x': torch.arange(24, dtype=torch.float64).reshape(4, 1, 2, 3), 'y': torch.tensor([0, 2, 1, 2])},"
            " d + '/data.pt')\n"
            "torch.save({'inputs': torch.zeros(2, 1, 3), 'targets': torch.zeros(2)}, d + '/nolabels.pt')\n";
        std::ofstream(dir / "save.py") << script;
        REQUIRE(std::system(("/usr/bin/python3 " + (dir / "save.py").string() + " " + dir.string()).c_str()) == 0);
        const auto t = lt::load_torch_dataset(dir / "data.pt");
        CHECK(t.shape() == evonas::CnnDataShape{1, {2, 3}, 3});
        CHECK(t.inputs[3][0][1][2].item<float>() == 23.0f);
        CHECK(torch::equal(t.labels, torch::tensor({0, 2, 1, 2}, torch::kInt64)));
        CHECK_THROWS_WITH(lt::load_torch_dataset(dir / "nolabels.pt", "inputs", "labels"),
                          (dir / "nolabels.pt").string() + ":1:1: the dict has no key 'labels'");
    }
    std::filesystem::remove_all(dir);
}
