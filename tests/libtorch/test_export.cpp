// Export for Python: for random genomes of the 1-D, 2-D and 3-D spaces
// (every layer type, activation, pool type and padding case appears, which
// is asserted), the TorchScript file in Python (torch.jit.load) and the
// generated PyTorch source with its weights give the C++ network's outputs
// within 1e-5, and scripts/export_onnx.py writes an ONNX file that
// onnx.checker accepts (tests/libtorch/check_export.py does the Python
// side). Bad input gets an evonas error and leaves no file behind.
#include <evonas/libtorch/libtorch.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cnn_test_space.hpp"

#ifndef EVONAS_SOURCE_DIR
#error "EVONAS_SOURCE_DIR must name the source tree (tests/libtorch/CMakeLists.txt sets it)"
#endif

namespace {

namespace lt = evonas::libtorch;
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
    auto dir = fs::temp_directory_path() / ("evonas_test_export_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) out.push_back(entry.path());
    return out;
}

/// Trained-looking values for every parameter and batch-norm buffer, so
/// that evaluation-mode batch norm (running statistics) is really tested:
/// fresh ones (mean 0, variance 1, weight 1, bias 0) would hide a forward
/// that ignored them.
void randomise(torch::nn::Module& net, at::Generator gen) {
    torch::NoGradGuard no_grad;
    const c10::optional<at::Generator> g(gen);
    for (auto& p : net.named_parameters()) {
        if (p.key().find("_bn.") != std::string::npos) {
            if (p.key().ends_with(".weight")) p.value().uniform_(0.5, 1.5, g);
            else p.value().normal_(0.0, 0.3, g);
        } else {
            p.value().add_(torch::empty_like(p.value()).normal_(0.0, 0.05, g));
        }
    }
    for (auto& b : net.named_buffers()) {
        if (b.key().ends_with("running_mean")) b.value().normal_(0.0, 0.3, g);
        if (b.key().ends_with("running_var")) b.value().uniform_(0.3, 2.0, g);
        if (b.key().ends_with("num_batches_tracked")) b.value().fill_(17);
    }
}

/// What the genomes of one dimensionality covered, e.g. "lrn", "act=elu",
/// "pad=uneven": the parity test asserts that nothing is missing.
std::set<std::string> coverage_of(const evonas::CnnShapeReport& report) {
    std::set<std::string> seen;
    for (const auto& r : report.layers) {
        const auto& l = r.layer;
        const auto kind = std::string(to_string(l.kind));
        switch (l.kind) {
            case evonas::CnnLayerKind::conv:
            case evonas::CnnLayerKind::dilconv:
            case evonas::CnnLayerKind::sepconv: {
                seen.insert(kind);
                seen.insert(std::string("act=") + std::string(to_string(l.activation)));
                seen.insert(l.batch_norm ? "bn=1" : "bn=0");
                if (l.kind != evonas::CnnLayerKind::sepconv) seen.insert(l.same ? "pad=same" : "pad=valid");
                if (l.stride > 1) seen.insert("stride>1");
                if (l.kind == evonas::CnnLayerKind::dilconv && l.dilation > 1) seen.insert("dilation>1");
                bool uneven = false, padded = false;
                for (const auto& [before, after] : r.padding) {
                    uneven = uneven || before != after;
                    padded = padded || before > 0;
                }
                if (uneven) seen.insert("pad=uneven");
                else if (padded) seen.insert("pad=even");
                break;
            }
            case evonas::CnnLayerKind::pool: seen.insert(l.max_pool ? "pool=max" : "pool=avg"); break;
            case evonas::CnnLayerKind::dropout:
                if (l.p > 0) seen.insert(r.section == 0 ? "dropout(features)" : "dropout(classifier)");
                break;
            case evonas::CnnLayerKind::dense:
                seen.insert(kind);
                seen.insert(std::string("dense act=") + std::string(to_string(l.activation)));
                break;
            default: seen.insert(kind); break;
        }
    }
    return seen;
}

const std::set<std::string>& required_coverage() {
    static const std::set<std::string> required = [] {
        std::set<std::string> r{"conv", "dilconv", "sepconv", "pool=max", "pool=avg", "lrn", "dropout(features)",
                                "dropout(classifier)", "dense", "flatten", "output", "bn=0", "bn=1", "pad=same",
                                "pad=valid", "pad=even", "pad=uneven", "stride>1", "dilation>1"};
        for (const auto* act : {"relu", "leaky_relu", "elu", "tanh", "sigmoid", "none"}) {
            r.insert(std::string("act=") + act);
            r.insert(std::string("dense act=") + act);
        }
        return r;
    }();
    return required;
}

bool python_ready() {
    static const bool ready = std::system("/usr/bin/python3 -c 'import torch, onnx' > /dev/null 2>&1") == 0;
    return ready;
}

std::string torch_max_rel(const torch::Tensor& a, const torch::Tensor& b) {
    return std::to_string(((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item<double>());
}

}  // namespace

TEST_CASE("TorchScript and PyTorch-source exports give the C++ network's outputs in Python, 1-D to 3-D",
          "[libtorch][export][python]") {
    // Without /usr/bin/python3, torch and onnx this test cannot check what it
    // is for: fail and say what is missing rather than pass silently.
    INFO("needs /usr/bin/python3 with torch and onnx (Debian: python3-torch python3-onnx; scripts/install-deps.sh)");
    REQUIRE(python_ready());
    const auto dir = fresh_dir("parity");
    const std::vector<evonas::CnnDataShape> shapes{{2, {40}, 5}, {3, {13, 13}, 4}, {2, {9, 9, 9}, 3}};
    const std::vector<int> genomes_per_dims{40, 30, 32};
    evonas::Rng rng(2026);
    nlohmann::json cases = nlohmann::json::array();
    std::size_t exported = 0;
    for (int dims = 1; dims <= 3; ++dims) {
        const auto space = evonas::test::narrow_cnn_space(dims);
        const auto& shape = shapes[static_cast<std::size_t>(dims - 1)];
        std::set<std::string> seen;
        int made = 0;
        for (int attempt = 0; made < genomes_per_dims[static_cast<std::size_t>(dims - 1)]; ++attempt) {
            REQUIRE(attempt < 1000);
            auto genome = evonas::random_genome(space, rng);
            if (!evonas::repair_cnn_genome(genome, space, shape, {.max_params = 2'000'000}).valid) continue;
            const auto name = fmt::format("d{}_g{}", dims, made++);
            INFO(name << ": " << evonas::to_text(genome, space));
            auto built = lt::build_cnn(genome, space, shape, {.seed = rng()});
            randomise(*built.net, lt::make_cpu_generator(rng()));
            const auto covered = coverage_of(built.report);
            seen.insert(covered.begin(), covered.end());
            built.net->eval();
            std::vector<std::int64_t> input{5, shape.channels};
            input.insert(input.end(), shape.spatial.begin(), shape.spatial.end());
            const auto x = torch::randn(input, torch::TensorOptions().dtype(torch::kFloat32))
                               .mul_(1.5);  // the global generator: inputs need not be reproducible
            torch::Tensor y;
            {
                torch::NoGradGuard no_grad;
                y = built.net->forward(x);
            }
            const lt::CnnModel model{genome, shape, built.net};
            const auto files = lt::export_model(model, space, dir, name);
            lt::save_model(dir / (name + ".pt"), model, space);  // load() reads model files too
            evonas::write_npy(dir / (name + "_x.npy"), lt::npy_from_tensor(x));
            evonas::write_npy(dir / (name + "_y.npy"), lt::npy_from_tensor(y));

            // The same file back in C++ (torch::jit::load): outputs and attributes.
            auto loaded = torch::jit::load(files.torchscript.string());
            const auto y_ts = loaded.forward({x}).toTensor();
            INFO("max relative difference " << torch_max_rel(y_ts, y));
            CHECK(torch::allclose(y_ts, y, 1e-5, 1e-6));
            CHECK(loaded.attr("genome").toStringRef() == evonas::to_text(genome, space));
            CHECK(loaded.attr("space").toStringRef() == space.name());
            CHECK(loaded.attr("classes").toInt() == shape.classes);
            cases.push_back({{"name", name}, {"genome", evonas::to_text(genome, space)}, {"space", space.name()}});
            ++exported;
        }
        // Every layer type, activation, pool type and padding case was exported.
        std::vector<std::string> missing;
        for (const auto& r : required_coverage()) {
            if (!seen.contains(r)) missing.push_back(r);
        }
        INFO(dims << "-D genomes never had: " << fmt::format("{}", fmt::join(missing, ", ")));
        CHECK(missing.empty());
    }
    std::ofstream(dir / "cases.json") << cases.dump(1);
    // The Python side: torch.jit.load, the generated module with its weights
    // and with the model file, the state_dict keys, ONNX and its checker.
    const std::string command = fmt::format(
        "/usr/bin/python3 {src}/tests/libtorch/check_export.py {dir} --export-onnx {src}/scripts/export_onnx.py",
        fmt::arg("src", EVONAS_SOURCE_DIR), fmt::arg("dir", dir.string()));
    INFO(command);
    const bool python_ok = std::system(command.c_str()) == 0;
    CHECK(python_ok);
    CHECK(exported == 102);
    if (python_ok && !std::getenv("EVONAS_KEEP_TEST_FILES")) {
        fs::remove_all(dir);
    } else {
        WARN("the exported files are kept in " << dir.string());
    }
}

TEST_CASE("export errors: a network that does not match its genome, unwritable paths, bad names",
          "[libtorch][export]") {
    const auto space = evonas::cnn_space(1);
    const evonas::CnnDataShape shape{1, {16}, 3};
    const auto small = evonas::parse_genome("conv(k=3,f=8,bn=1) | dense(u=16)", space);
    const auto wide = evonas::parse_genome("conv(k=3,f=16,bn=1) | dense(u=16)", space);
    const auto no_bn = evonas::parse_genome("conv(k=3,f=8,bn=0) | dense(u=16)", space);
    const lt::CnnModel good{small, shape, lt::build_cnn(small, space, shape).net};
    const auto dir = fresh_dir("errors");

    SECTION("a network built from another genome: ConfigError naming the tensor and both shapes; nothing written") {
        const lt::CnnModel mismatched{wide, shape, good.net};
        const auto message = [&](auto&& call) {
            try {
                call();
            } catch (const evonas::ConfigError& e) {
                CHECK(e.field() == "model");
                return std::string(e.what());
            }
            FAIL("no ConfigError");
            return std::string();
        };
        const auto m = message([&] { lt::export_model(mismatched, space, dir / "out"); });
        CHECK(m == "model: the parameter 'f0_conv.weight' has shape [8, 1, 3] in the network but [16, 1, 3] by its "
                   "genome");
        CHECK(message([&] { lt::export_torchscript(mismatched, space, dir / "m.ts.pt"); }) == m);
        CHECK(message([&] { lt::export_python(mismatched, space, dir / "m.py"); }) == m);
        const lt::CnnModel extra{small, shape, lt::build_cnn(no_bn, space, shape).net};
        CHECK(message([&] { lt::export_model(extra, space, dir / "out"); }) ==
              "model: the network has no parameter 'f0_bn.weight' but its genome needs one");
        const lt::CnnModel other_shape{small, {2, {16}, 3}, good.net};
        CHECK(message([&] { lt::export_model(other_shape, space, dir / "out"); }).find("'f0_conv.weight' has shape "
                                                                                       "[8, 1, 3] in the network but "
                                                                                       "[8, 2, 3]") != std::string::npos);
        CHECK(files_in(dir).empty());
    }
    SECTION("a model file whose tensors do not match its genome: ParseError naming the file and the tensor") {
        const auto file = dir / "bad.pt";
        lt::save_model(file, lt::CnnModel{wide, shape, good.net}, space);  // save_model does not check
        try {
            lt::export_model_file(file, space, dir / "out");
            FAIL("no ParseError");
        } catch (const evonas::ParseError& e) {
            CHECK(std::string(e.what()) == file.string() +
                                               ":1:1: the parameter 'f0_conv.weight' has shape [8, 1, 3] in the file "
                                               "but [16, 1, 3] in the network");
        }
        CHECK_THROWS_AS(lt::export_model_file(dir / "missing.pt", space, dir / "out"), evonas::IoError);
        CHECK_FALSE(fs::exists(dir / "out"));
    }
    SECTION("unwritable paths: IoError, and nothing half-written left behind") {
        std::ofstream(dir / "a_file") << "not a directory";
        CHECK_THROWS_AS(lt::export_model(good, space, dir / "a_file" / "out"), evonas::IoError);
        CHECK_THROWS_AS(lt::export_torchscript(good, space, dir / "a_file" / "m.ts.pt"), evonas::IoError);
        CHECK_THROWS_AS(lt::export_python(good, space, dir / "a_file" / "m.py"), evonas::IoError);
        // The second of the three files cannot be written (a directory is in
        // its way): the first, already written, is removed again.
        fs::create_directories(dir / "out" / "model.py");
        CHECK_THROWS_AS(lt::export_model(good, space, dir / "out"), evonas::IoError);
        CHECK_FALSE(fs::exists(dir / "out" / "model.ts.pt"));
        CHECK_FALSE(fs::exists(dir / "out" / "model_weights.pt"));
        fs::create_directories(dir / "py" / "m.py");
        CHECK_THROWS_AS(lt::export_python(good, space, dir / "py" / "m.py"), evonas::IoError);
        CHECK_FALSE(fs::exists(dir / "py" / "m_weights.pt"));
        std::vector<fs::path> left;
        for (const auto& f : files_in(dir)) {
            if (fs::is_regular_file(f) && f.filename() != "a_file") left.push_back(f);
        }
        CHECK(left.empty());
    }
    SECTION("names Python cannot import") {
        CHECK_THROWS_AS(lt::export_model(good, space, dir, "best-model"), evonas::ConfigError);
        CHECK_THROWS_AS(lt::export_model(good, space, dir, "1st"), evonas::ConfigError);
        CHECK_THROWS_AS(lt::export_model(good, space, dir, "import"), evonas::ConfigError);
        CHECK_THROWS_AS(lt::export_python(good, space, dir / "job-3.py"), evonas::ConfigError);
        CHECK_THROWS_AS(lt::export_python(good, space, dir / "model.txt"), evonas::ConfigError);
        CHECK(files_in(dir).empty());
    }
    SECTION("a good model: three files; the TorchScript module is in evaluation mode with the builder's names") {
        const auto files = lt::export_model(good, space, dir / "out");
        CHECK(files.torchscript == dir / "out" / "model.ts.pt");
        CHECK(files.python == dir / "out" / "model.py");
        CHECK(files.weights == dir / "out" / "model_weights.pt");
        for (const auto& f : {files.torchscript, files.python, files.weights}) CHECK(fs::file_size(f) > 0);
        auto m = torch::jit::load(files.torchscript.string());
        CHECK_FALSE(m.is_training());
        std::set<std::string> names;
        for (const auto& p : m.named_parameters()) names.insert(p.name);
        for (const auto& b : m.named_buffers()) names.insert(b.name);
        std::set<std::string> expected;
        for (const auto& entry : lt::state_of(*good.net)) expected.insert(entry.key());
        CHECK(names == expected);
        CHECK(names.contains("f0_bn.running_var"));
        const auto source = lt::torchscript_source(good, space);
        CHECK(source.find("torch.batch_norm(x, self.f0_bn.weight") != std::string::npos);
        CHECK(lt::python_module_source(good, space).find("(\"f0_bn\", nn.BatchNorm1d(8))") != std::string::npos);
    }
    fs::remove_all(dir);
}
