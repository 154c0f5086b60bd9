import Engine
import Foundation
import Testing

/// Where the project's shared folder lives: `$RMAE_SHARED_DIR`, else `../shared` beside the repository.
public enum SharedFiles {
    public static let directory: URL = {
        if let env = ProcessInfo.processInfo.environment["RMAE_SHARED_DIR"] {
            return URL(fileURLWithPath: env)
        }
        // Tests/TestSupport/TestSupport.swift -> repository root -> ../shared
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// `shared/<relative>`.
    public static func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }

    /// True when the shared folder is present (it is on developer machines and in CI).
    public static var available: Bool { FileManager.default.fileExists(atPath: url("fixtures").path) }
}

/// Expects `|actual − expected| ≤ atol + rtol·|expected|` elementwise, with equal shapes. On failure it
/// reports the first 5 mismatches and the largest difference, at the caller's source location.
public func expectClose(_ actual: Tensor, _ expected: Tensor, atol: Float, rtol: Float = 0, _ name: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
    precondition(atol >= 0 && rtol >= 0, "expectClose: tolerances must be non-negative")
    guard actual.shape == expected.shape else {
        Issue.record("\(name): shape \(actual.shape) != expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    expectClose(actual.scalars, expected.scalars, atol: atol, rtol: rtol, name, sourceLocation: sourceLocation)
}

/// Array form of ``expectClose(_:_:atol:rtol:_:sourceLocation:)-(Tensor,Tensor,_,_,_,_)``.
public func expectClose(_ actual: [Float], _ expected: [Float], atol: Float, rtol: Float = 0, _ name: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(name): \(actual.count) values != expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var bad: [String] = []
    var maxDiff: Float = 0
    var badCount = 0
    for i in actual.indices {
        let d = abs(actual[i] - expected[i])
        if d.isNaN || d > maxDiff { maxDiff = d.isNaN ? .nan : max(maxDiff, d) }
        if !(d <= atol + rtol * abs(expected[i])) {
            badCount += 1
            if bad.count < 5 { bad.append("[\(i)] \(actual[i]) vs \(expected[i])") }
        }
    }
    if badCount > 0 {
        Issue.record("\(name): \(badCount) of \(actual.count) values differ (atol \(atol), rtol \(rtol)); max diff \(maxDiff); first: \(bad.joined(separator: ", "))",
                     sourceLocation: sourceLocation)
    }
}

/// Finite-difference gradient check of a function of several tensors.
///
/// The scalar loss is `Σ f(inputs) · r` for a fixed random projection r, so that every output element
/// contributes. Analytic gradients come from ``Tensor/backward()``; numeric ones from central differences
/// with step `eps`, evaluated in no-grad mode and summed in Float64.
public func gradcheck(_ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 1e-3, rtol: Float = 3e-3,
                      seed: UInt64 = 7, _ name: String = "",
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ f: ([Tensor]) -> Tensor) {
    var rng = RandomGenerator(seed: seed, stream: .test)
    let probe = withoutGradient { f(inputs) }
    let r = Tensor.uniform(probe.shape, low: -1, high: 1, using: &rng)
    let watched = inputs.map { $0.watched() }
    let out = f(watched)
    (out * r).sum().backward()

    func loss(_ xs: [Tensor]) -> Double {
        withoutGradient {
            let y = f(xs).scalars, rv = r.scalars
            var s = 0.0
            for i in y.indices { s += Double(y[i]) * Double(rv[i]) }
            return s
        }
    }
    for (k, x) in inputs.enumerated() {
        guard let analytic = watched[k].grad else {
            Issue.record("\(name): input \(k) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        var numeric = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            var plus = inputs, minus = inputs
            plus[k].withUnsafeMutableBufferPointer { $0[i] += eps }
            minus[k].withUnsafeMutableBufferPointer { $0[i] -= eps }
            numeric[i] = Float((loss(plus) - loss(minus)) / (2 * Double(eps)))
        }
        expectClose(analytic.scalars, numeric, atol: atol, rtol: rtol, "\(name) d/dinput\(k)",
                    sourceLocation: sourceLocation)
    }
}

/// Random test data from the test stream.
public func randomTensor(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64 = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed, stream: .test)
    return Tensor.uniform(shape, low: low, high: high, using: &rng)
}
