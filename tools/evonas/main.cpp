// evonas: the command-line tool. Evolve a network for your data without
// writing C++, continue a run, score or export its networks, and read what
// a run did (report) or how long it would take on more workers (simulate).
//
//   evonas evolve --train-x data.h5:/img_data/hitimes-x --train-y data.h5:/vtx_data/segments
//   evonas resume evonas_run
//   evonas evaluate evonas_run --x test.h5:/img_data/hitimes-x --y test.h5:/vtx_data/segments
//   evonas export evonas_run --out exported
//   evonas report evonas_run [--json]
//   evonas simulate evonas_run --workers 64
//
// docs/cli.md documents every command with real output.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "evolve_command.hpp"
#include "model_commands.hpp"
#include "run_commands.hpp"

namespace {

namespace tool = evonas::tool;

// One parse of `args` (args[0] is the program's name). `resume` parses
// again with the run's own evolve arguments, so it is a function of args.
int run_cli(const std::vector<std::string>& args) {
    CLI::App app{fmt::format("evonas {}: evolve neural-network architectures for your data (MENNDL-style).\n"
                             "Data: {}.\nSee docs/cli.md.",
                             evonas::version_string(), tool::data_forms_help())};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(evonas::version_string()));

    evonas::examples::CommonOptions common;
    tool::DataOptions data;
    auto* evolve = tool::add_evolve_command(app, common, data);

    std::string resume_dir;
    auto* resume = app.add_subcommand("resume", "continue a run (crashed, stopped, or to train more networks: "
                                                "add e.g. --evaluations 100) with the arguments it was started with");
    resume->add_option("run_dir", resume_dir, "the run directory")->required()->check(CLI::ExistingDirectory);
    resume->allow_extras();
    resume->footer("Other evolve options after RUN_DIR replace the run's own (those that define the run, such as "
                   "--population, are refused).");

    tool::EvaluateOptions evaluate_options;
    auto* evaluate = tool::add_evaluate_command(app, evaluate_options);
    tool::ExportOptions export_options;
    auto* exporter = tool::add_export_command(app, export_options);
    tool::ReportOptions report_options;
    auto* report = tool::add_report_command(app, report_options);
    tool::SimulateOptions simulate_options;
    auto* simulate = tool::add_simulate_command(app, simulate_options);

    std::vector<char*> argv;
    std::vector<std::string> words = args;
    for (auto& w : words) argv.push_back(w.data());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return evonas::examples::run_main([&]() -> int {
        if (evolve->parsed()) {
            const auto at = std::find(args.begin(), args.end(), "evolve");
            return tool::run_evolve(common, data, std::vector<std::string>(at + 1, args.end()));
        }
        if (resume->parsed()) {
            const auto file = tool::data_json_path(resume_dir);
            if (!std::filesystem::exists(file)) {
                throw evonas::ConfigError("resume", fmt::format("{} has no data.json: it is not a run directory of "
                                                                "`evonas evolve` (runs of the example programs resume "
                                                                "with their own --resume)",
                                                                resume_dir));
            }
            const auto stored = evonas::parse_json_text(evonas::read_text_file(file, "data description"), file.string());
            if (!stored.contains("command") || !stored.at("command").is_array()) {
                throw evonas::ParseError(file.string(), 1, 1, "has no \"command\" (not written by `evonas evolve`)");
            }
            std::vector<std::string> again{args.front(), "evolve"};
            for (const auto& w : stored.at("command")) again.push_back(w.get<std::string>());
            for (const auto& w : resume->remaining()) again.push_back(w);
            again.insert(again.end(), {"--resume", "--run-dir", resume_dir});
            return run_cli(again);
        }
        if (evaluate->parsed()) return tool::run_evaluate(evaluate_options);
        if (exporter->parsed()) return tool::run_export(export_options);
        if (report->parsed()) return tool::run_report(report_options);
        if (simulate->parsed()) return tool::run_simulate(simulate_options);
        return 1;
    });
}

}  // namespace

int main(int argc, char** argv) { return run_cli(std::vector<std::string>(argv, argv + argc)); }
