// evonas::hdf5: numeric datasets of HDF5 files as NpyArray
// (read_hdf5_dataset) and what a file holds (list_hdf5_datasets). Needs
// HDF5's C library (CMake target evonas::hdf5, option EVONAS_WITH_HDF5).
#pragma once

#include <evonas/hdf5/dataset_info.hpp>
#include <evonas/hdf5/read_dataset.hpp>
#include <evonas/hdf5/session.hpp>
