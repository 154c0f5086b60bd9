import Data
import Foundation
import Models
import NN

/// Checks the Swift model against a golden fixture made by the official PyTorch code (shared/fixtures,
/// format in its README): forward with the fixture's weights, images, regions and masking noise; backward;
/// one AdamW step with the fixture's optimizer settings; every output, gradient and stepped parameter
/// compared at the README's tolerances.
public enum FixtureParity {
    /// One compared tensor.
    public struct Row: Sendable {
        public var name: String
        /// Max absolute error (relative error for losses).
        public var error: Double
        public var tolerance: Double
        public var passed: Bool { error <= tolerance }
    }

    public struct Report: Sendable {
        public var file: String
        public var config: ModelConfig
        public var rows: [Row]
        public var passed: Bool { rows.allSatisfy(\.passed) }
        public var worst: Row? { rows.max { $0.error / max($0.tolerance, 1e-30) < $1.error / max($1.tolerance, 1e-30) } }
    }

    struct OptimizerSettings: Decodable {
        var lr: Float
        var betas: [Float]
        var eps: Float
        var weight_decay: Float
        var no_decay: [String]
    }

    public static func check(_ url: URL) throws -> Report {
        let file = try SafeTensors.read(url)
        func fail(_ s: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: s) }
        guard let configJSON = file.metadata["config"], let optJSON = file.metadata["optimizer"] else {
            throw fail("has no config/optimizer metadata (not a parity fixture)")
        }
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8))
        let opt = try JSONDecoder().decode(OptimizerSettings.self, from: Data(optJSON.utf8))
        func tensor(_ name: String) throws -> Tensor {
            guard let t = file.tensors[name] else { throw fail("has no tensor '\(name)'") }
            return t
        }

        var params: [String: Tensor] = [:]
        for (k, v) in file.tensors where k.hasPrefix("param.") { params[String(k.dropFirst(6))] = v }
        var model = try RegionMAE(config: config).loading(params)
        var rows: [Row] = []

        // Frozen tables: ours are computed, the fixture's came from NumPy float32.
        for (name, ours) in model.frozenTensors {
            rows.append(Row(name: "param.\(name) (sin-cos)", error: maxAbsError(ours, try tensor("param.\(name)")), tolerance: 1e-6))
        }
        // Every state-dict key is accounted for.
        let ourKeys = Set(model.stateDict.keys)
        let theirKeys = Set(params.keys)
        if ourKeys != theirKeys {
            throw fail("state_dict keys differ: missing here \(theirKeys.subtracting(ourKeys).sorted()), extra here \(ourKeys.subtracting(theirKeys).sorted())")
        }

        let images = try tensor("input.imgs")
        let regions = config.hasRegionBranch ? try tensor("input.regions") : nil
        let masking = Masking(noise: try tensor("input.noise"))
        let watched = model.watchingParameters()
        let out = watched(images: images, regions: regions, masking: masking)
        out.loss.backward()
        let grads = watched.parameterGradients()

        func relative(_ name: String, _ ours: Tensor) throws {
            let e = try tensor(name).item, o = ours.item
            rows.append(Row(name: name, error: Double(abs(o - e)) / max(Double(abs(e)), 1e-12), tolerance: 1e-5))
        }
        try relative("output.loss", out.loss)
        if config.hasPixelDecoder { try relative("output.mae_loss", out.maeLoss) }
        if config.hasRegionBranch { try relative("output.region_loss", out.regionLoss) }
        func absolute(_ name: String, _ ours: Tensor?) throws {
            guard let ours else { throw fail("expects \(name), which this model does not produce") }
            rows.append(Row(name: name, error: maxAbsError(ours, try tensor(name)), tolerance: 1e-4))
        }
        try absolute("output.latent", out.latent)
        try absolute("output.mask", out.mask)
        if file.tensors["output.pred"] != nil { try absolute("output.pred", out.pred) }
        if file.tensors["output.pred_region"] != nil { try absolute("output.pred_region", out.predRegion) }
        if file.tensors["output.region_mask"] != nil { try absolute("output.region_mask", out.regionMask) }

        func scaled(_ name: String, _ ours: Tensor) throws {
            let expected = try tensor(name)
            let largest = expected.scalars.reduce(Float(0)) { max($0, abs($1)) }
            rows.append(Row(name: name, error: maxAbsError(ours, expected), tolerance: max(1e-4 * Double(largest), 1e-6)))
        }
        for (name, _) in model.namedParameters() { try scaled("grad.\(name)", grads[name]!) }

        // The official weight-decay grouping must be ours.
        let noDecay = Set(opt.no_decay)
        for (name, p) in model.namedParameters() where AdamW.officialNoDecay(name, p.shape) != noDecay.contains(name) {
            throw fail("weight-decay group of '\(name)' differs from the official grouping")
        }
        let adamw = AdamW(learningRate: opt.lr, beta1: opt.betas[0], beta2: opt.betas[1], eps: opt.eps, weightDecay: opt.weight_decay)
        adamw.update(&model, along: grads)
        for (name, p) in model.namedParameters() {
            // Adam's first update is lr·g/(|g| + eps): where the reference gradient is tiny (|g| < 1e-6, i.e.
            // within a few hundred eps), rounding noise in g — which the gradient tolerance allows — moves
            // the update by up to lr. The key bias of every attention is such a case everywhere (softmax ignores
            // a per-row constant, so its true gradient is 0 and both sides hold ~1e-10 noise). Those elements
            // are compared at lr, the largest possible first-step update; all others at the standard tolerance.
            let expected = try tensor("step.\(name)"), expectedGrad = try tensor("grad.\(name)")
            let largest = expected.scalars.reduce(Float(0)) { max($0, abs($1)) }
            let ours = p.scalars, theirs = expected.scalars, g = expectedGrad.scalars
            var noisyError = 0.0, otherError = 0.0, noisy = 0
            for i in 0..<p.count {
                let e = Double(abs(ours[i] - theirs[i]))
                if abs(g[i]) < 1e-6 { noisy += 1; noisyError = max(noisyError, e) } else { otherError = max(otherError, e) }
            }
            rows.append(Row(name: "step.\(name)", error: otherError, tolerance: max(1e-4 * Double(largest), 1e-6)))
            if noisy > 0 {
                rows.append(Row(name: "step.\(name) (\(noisy) elements with |grad| < 1e-6)", error: noisyError, tolerance: Double(opt.lr)))
            }
        }
        return Report(file: url.lastPathComponent, config: config, rows: rows)
    }

    static func maxAbsError(_ a: Tensor, _ b: Tensor) -> Double {
        guard a.shape == b.shape else { return .infinity }
        var m = 0.0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<pa.count {
                    let d = Double(abs(pa[i] - pb[i]))
                    if d.isNaN { m = .infinity; return }
                    m = max(m, d)
                }
            }
        }
        return m
    }
}
