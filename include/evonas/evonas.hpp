/// \file
/// evonas: umbrella header for the core library.
///
/// The only include you need for the core: search spaces, genomes and their
/// text/JSON forms, the genetic operators, the island engine, the thread
/// driver and the run files. It never includes the optional parts: add
/// `<evonas/libtorch/libtorch.hpp>` or `<evonas/mpi/mpi.hpp>` (and link
/// `evonas::libtorch` / `evonas::mpi`) to use them.
#pragma once

#include <evonas/error.hpp>
#include <evonas/random.hpp>
#include <evonas/version.hpp>

#include <evonas/space/cnn_space.hpp>
#include <evonas/space/layer_type.hpp>
#include <evonas/space/param_spec.hpp>
#include <evonas/space/search_space.hpp>
#include <evonas/space/section_space.hpp>
#include <evonas/space/space_json.hpp>

#include <evonas/genome/cnn_layer.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/diff.hpp>
#include <evonas/genome/gene_section.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/genome_json.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/hash.hpp>
#include <evonas/genome/layer_features.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/layer_genome_traits.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>

#include <evonas/operators/layer_defaults.hpp>
#include <evonas/operators/operators.hpp>

#include <evonas/engine/evolution_operators.hpp>
#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/island_model.hpp>
#include <evonas/engine/migration.hpp>
#include <evonas/engine/objectives.hpp>
#include <evonas/engine/observer.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/engine/pareto.hpp>
#include <evonas/engine/progress.hpp>
#include <evonas/engine/result.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/engine/trainer.hpp>

#include <evonas/surrogate/extra_trees.hpp>
#include <evonas/surrogate/predictor.hpp>
#include <evonas/surrogate/surrogate.hpp>
#include <evonas/surrogate/surrogate_options.hpp>
#include <evonas/io/checkpoint.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/npy.hpp>
#include <evonas/io/npy_array.hpp>
#include <evonas/io/npy_header.hpp>
#include <evonas/io/progress.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>

#include <evonas/drivers/confirm.hpp>
#include <evonas/drivers/sim.hpp>
#include <evonas/drivers/threads.hpp>

/// \namespace evonas
/// Everything evonas offers: search spaces, genomes, genetic operators, the
/// island engine, drivers and run files. Names in a nested `detail`
/// namespace are implementation details and may change without notice.
