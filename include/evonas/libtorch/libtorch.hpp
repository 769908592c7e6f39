// evonas::libtorch: umbrella header of the optional LibTorch part.
//
// The only include you need for it: the runtime facts, the network builder
// (genome -> torch::nn::Sequential), data sets (.npy, torch.save tensors)
// and their one shared copy per device, devices and mixed precision, model
// files, export for Python (TorchScript, PyTorch source), and CnnTrainer. Link
// evonas::libtorch (find_package(evonas CONFIG COMPONENTS libtorch)).
// docs/libtorch.md explains it all.
#pragma once

#include <evonas/evonas.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/io/npy.hpp>

#include <evonas/libtorch/builder.hpp>
#include <evonas/libtorch/cnn_check.hpp>
#include <evonas/libtorch/dataset.hpp>
#include <evonas/libtorch/device.hpp>
#include <evonas/libtorch/export_model.hpp>
#include <evonas/libtorch/export_python.hpp>
#include <evonas/libtorch/export_torchscript.hpp>
#include <evonas/libtorch/latency.hpp>
#include <evonas/libtorch/model_io.hpp>
#include <evonas/libtorch/runtime.hpp>
#include <evonas/libtorch/shared_data.hpp>
#include <evonas/libtorch/evaluate.hpp>
#include <evonas/libtorch/trainer.hpp>
#include <evonas/libtorch/trainer_options.hpp>

/// \namespace evonas::libtorch
/// The optional LibTorch part: build_cnn() turns a CNN genome into a
/// network, Dataset and its loaders hold the data, CnnTrainer trains and
/// scores genomes (one trainer per worker), save_model()/load_model()
/// keep the results and export_model() hands them to Python.
