import Engine
import Synchronization

extension AdamW {
    /// Starts one update that is applied parameter by parameter, as each gradient completes during the backward
    /// pass (pass ``AdamWInPlaceUpdate/apply(_:_:)`` as `onGradient` of
    /// ``valueWithGradient(at:batch:shares:skip:onGradient:_:)``), so the gradients never all live at once —
    /// for large models the largest saving of memory after the activations (PyTorch's "optimizer step in
    /// backward"). Numerically the same update as ``update(_:along:)`` (same kernel, same values).
    ///
    /// Only for plain steps: no gradient clipping (it needs the global norm first), no accumulation over
    /// micro-batches and no averaging across processes. Parameters are written in place; copies of the model
    /// taken before the step share their storage and see the new values.
    public func beginInPlaceUpdate<M: Module>(_ model: inout M) -> AdamWInPlaceUpdate {
        step += 1
        var entries: [String: AdamWInPlaceUpdate.Entry] = [:]
        model.forEachParameter(prefix: "") { name, p in
            p = p.detached()
            p.withUnsafeMutableBufferPointer { _ in }   // the model's own storage, written in place below
            var m = firstMoment.removeValue(forKey: name) ?? .zeros(p.shape)
            var v = secondMoment.removeValue(forKey: name) ?? .zeros(p.shape)
            m.withUnsafeMutableBufferPointer { _ in }
            v.withUnsafeMutableBufferPointer { _ in }
            firstMoment[name] = m
            secondMoment[name] = v
            entries[name] = .init(parameter: p, firstMoment: m, secondMoment: v,
                                  step: AdamWStep(learningRate: learningRate * learningRateScale(name), weightDecay: weightDecay(for: name, shape: p.shape),
                                                  beta1: beta1, beta2: beta2, eps: eps, step: step))
        }
        return AdamWInPlaceUpdate(entries: entries)
    }
}

/// One AdamW update in progress, applied per parameter from any thread (see ``AdamW/beginInPlaceUpdate(_:)``).
public final class AdamWInPlaceUpdate: @unchecked Sendable {
    struct Entry {
        let parameter: Tensor, firstMoment: Tensor, secondMoment: Tensor
        let step: AdamWStep
    }
    private let entries: [String: Entry]
    private struct Totals { var nonFinite = 0; var squares: [String: Double] = [:] }
    private let totals = Mutex(Totals())

    init(entries: [String: Entry]) { self.entries = entries }

    /// Updates parameter `name` along its complete gradient (nil: no gradient reached it, no update). Thread-safe;
    /// each parameter once.
    public func apply(_ name: String, _ gradient: Tensor?) {
        guard let e = entries[name], let gradient else { return }
        let squares = gradient.sumOfSquares
        let bad = Tensor.adamwUpdate(sharedStorageOf: e.parameter, gradient: gradient, firstMoment: e.firstMoment,
                                     secondMoment: e.secondMoment, e.step)
        totals.withLock { t in
            t.nonFinite += bad
            t.squares[name] = squares
        }
    }

    /// Values the update left non-finite (parameters or second moments).
    public var nonFinite: Int { totals.withLock { $0.nonFinite } }

    /// Global L2 norm of the gradients applied so far (Float64, keys in sorted order).
    public var gradientNorm: Double {
        let squares = totals.withLock { $0.squares }
        return squares.keys.sorted().reduce(0.0) { $0 + squares[$1]! }.squareRoot()
    }

    /// Parameters that have been updated.
    public var updatedCount: Int { totals.withLock { $0.squares.count } }
}
