// evonas: order statistics of a growing set of values in O(log n) per
// value, for the stoppers. A rung of ASHA or a step of the median rule
// collects one value per network: at Titan scale (~500,000 networks) a
// decision that scanned or sorted them all would cost the master more
// than the training it saves.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <queue>
#include <vector>

namespace evonas::detail {

/// The values of a rung, split so that the floor(n / eta) largest (at least
/// one) are at hand: `top_` (a min-heap) holds them, `rest_` (a max-heap)
/// the others; every value in top_ is >= every value in rest_.
class TopFraction {
public:
    explicit TopFraction(double eta) : eta_(eta) {}

    /// Adds a value and rebalances (the share kept grows with n).
    void insert(double v) {
        if (!top_.empty() && v > top_.top()) {
            top_.push(v);
        } else {
            rest_.push(v);
        }
        ++size_;
        const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(
                                                       std::floor(static_cast<double>(size_) / eta_)));
        while (top_.size() > keep) {
            rest_.push(top_.top());
            top_.pop();
        }
        while (top_.size() < keep && !rest_.empty()) {
            top_.push(rest_.top());
            rest_.pop();
        }
    }

    /// Values inserted.
    std::size_t size() const noexcept { return size_; }

    /// True when fewer than floor(n / eta) (at least one) values are
    /// strictly greater than `v`: `v` is in the top 1/eta.
    bool in_top(double v) const { return top_.empty() || top_.top() <= v; }

private:
    double eta_;
    std::size_t size_ = 0;
    std::priority_queue<double, std::vector<double>, std::greater<>> top_;
    std::priority_queue<double> rest_;
};

/// The median of a growing set of values: `low_` (a max-heap) holds the
/// lower half and one more when n is odd, `high_` (a min-heap) the upper.
class RunningMedian {
public:
    /// Adds a value.
    void insert(double v) {
        if (low_.empty() || v <= low_.top()) {
            low_.push(v);
        } else {
            high_.push(v);
        }
        if (low_.size() > high_.size() + 1) {
            high_.push(low_.top());
            low_.pop();
        } else if (high_.size() > low_.size()) {
            low_.push(high_.top());
            high_.pop();
        }
    }

    /// Values inserted.
    std::size_t size() const noexcept { return low_.size() + high_.size(); }

    /// The middle value (n odd) or the mean of the two middle values, as a
    /// sorted copy would give; 0 when empty.
    double median() const {
        if (low_.empty()) return 0.0;
        return size() % 2 ? low_.top() : 0.5 * (low_.top() + high_.top());
    }

private:
    std::priority_queue<double> low_;
    std::priority_queue<double, std::vector<double>, std::greater<>> high_;
};

}  // namespace evonas::detail
