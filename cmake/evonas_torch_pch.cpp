// Anchor translation unit for the shared <torch/torch.h> precompiled header
// (see evonasTorchPch.cmake). It has no code of its own.
