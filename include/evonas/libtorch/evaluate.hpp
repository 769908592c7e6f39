// evonas::libtorch: a network's loss, accuracy and balanced accuracy on a
// data set, as CnnTrainer scores it (evaluate_network).
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <algorithm>
#include <cstdint>

#include <torch/torch.h>

#include <evonas/libtorch/dataset.hpp>
#include <evonas/libtorch/device.hpp>

namespace evonas::libtorch {

/// Validation results of a network.
struct Evaluation {
    double loss = 0.0;               ///< mean cross-entropy
    double accuracy = 0.0;           ///< fraction classified correctly
    double balanced_accuracy = 0.0;  ///< mean per-class recall (over classes present)
};

/// Loss, accuracy and balanced accuracy of `net` on `data` (on the
/// network's device), in evaluation mode, `batch` samples at a time. The
/// module's training mode is restored afterwards. Not while another thread
/// uses the network.
inline Evaluation evaluate_network(torch::nn::Sequential net, const Dataset& data, std::int64_t batch = 512,
                                   Precision precision = Precision::fp32) {
    const bool was_training = net->is_training();
    net->eval();
    torch::NoGradGuard no_grad;
    const auto device = data.inputs.device();
    auto per_class = torch::zeros({data.classes}, torch::TensorOptions().dtype(torch::kInt64).device(device));
    auto correct = torch::zeros_like(per_class);
    auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
    for (std::int64_t start = 0; start < data.size(); start += batch) {
        const auto n = std::min(batch, data.size() - start);
        const auto x = data.inputs.narrow(0, start, n);
        const auto y = data.labels.narrow(0, start, n);
        torch::Tensor logits;
        if (precision == Precision::fp32) {
            logits = net->forward(x);
        } else {
            AutocastScope autocast(device, precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
            logits = net->forward(x);
        }
        logits = logits.to(torch::kFloat32);
        loss_sum += torch::cross_entropy_loss(logits, y, {}, at::Reduction::Sum).to(torch::kFloat64);
        const auto hit = logits.argmax(1).eq(y);
        per_class += torch::bincount(y, {}, data.classes);
        correct += torch::bincount(y.masked_select(hit), {}, data.classes);
    }
    net->train(was_training);
    const auto totals = per_class.to(torch::kCPU);
    const auto rights = correct.to(torch::kCPU);
    const auto* t = totals.data_ptr<std::int64_t>();
    const auto* r = rights.data_ptr<std::int64_t>();
    Evaluation e;
    std::int64_t all = 0, all_right = 0, present = 0;
    double recall_sum = 0.0;
    for (std::int64_t c = 0; c < data.classes; ++c) {
        all += t[c];
        all_right += r[c];
        if (t[c] > 0) {
            ++present;
            recall_sum += static_cast<double>(r[c]) / static_cast<double>(t[c]);
        }
    }
    e.loss = all ? loss_sum.item<double>() / static_cast<double>(all) : 0.0;
    e.accuracy = all ? static_cast<double>(all_right) / static_cast<double>(all) : 0.0;
    e.balanced_accuracy = present ? recall_sum / static_cast<double>(present) : 0.0;
    return e;
}

}  // namespace evonas::libtorch
