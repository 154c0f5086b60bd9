import Engine
import Foundation
import Models
import NN
import SwiftProtobuf

/// The pixel encoder of a model as an ONNX graph (opset 17), without masking: `pixel_values` `[batch, C, H, W]`
/// (normalised as for training) → `last_hidden_state` `[batch, 1 + N, D]` (cls first, final LayerNorm
/// applied), the batch axis dynamic. The same computation as ``RegionMAE/encode(_:keep:positions:)`` with every
/// patch kept: patch convolution, position table added, cls token in front, pre-norm blocks (LayerNorm,
/// fused qkv, softmax attention, exact-erf GELU MLP), final LayerNorm.
public enum EncoderGraph {
    public static let opset: Int64 = 17

    /// The serialized ONNX model for `model`'s encoder. `positions` `(N + 1, D)` replaces the model's own
    /// table (a learned one).
    public static func serialized(_ model: RegionMAE, positions: Tensor? = nil, producer: String = "rmae-swift") throws -> Data {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = producer
        m.graph = graph(model, positions: positions)
        var op = Onnx_OperatorSetIdProto()
        op.domain = ""
        op.version = opset
        m.opsetImport = [op]
        var meta = Onnx_StringStringEntryProto()
        meta.key = "rmae_config"
        meta.value = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
        // What a consumer needs to feed it: x = (v / 255 − mean) / std per channel.
        var mean = Onnx_StringStringEntryProto(), std = Onnx_StringStringEntryProto()
        (mean.key, std.key) = ("pixel_mean", "pixel_std")
        let grey = model.config.inChans == 1
        mean.value = "\(model.config.pixelMean ?? (grey ? [0.449] : [0.485, 0.456, 0.406]))"
        std.value = "\(model.config.pixelStd ?? (grey ? [0.226] : [0.229, 0.224, 0.225]))"
        m.metadataProps = [meta, mean, std]
        return try m.serializedData()
    }

    /// Builds the graph node by node; names are unique within it.
    struct Builder {
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        var count = 0

        mutating func fresh(_ hint: String) -> String { count += 1; return "\(hint)_\(count)" }

        mutating func constant(_ name: String, _ t: Tensor) -> String {
            var p = Onnx_TensorProto()
            p.name = name
            p.dims = t.shape.map(Int64.init)
            p.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            p.rawData = t.scalars.withUnsafeBufferPointer { Data(buffer: $0) }   // little-endian on every host we build for
            initializers.append(p)
            return name
        }

        mutating func int64s(_ name: String, _ values: [Int64]) -> String {
            var p = Onnx_TensorProto()
            p.name = name
            p.dims = [Int64(values.count)]
            p.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            p.int64Data = values
            initializers.append(p)
            return name
        }

        mutating func scalar(_ name: String, _ value: Float) -> String {
            var p = Onnx_TensorProto()
            p.name = name
            p.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            p.floatData = [value]
            initializers.append(p)
            return name
        }

        @discardableResult
        mutating func node(_ op: String, _ inputs: [String], output: String? = nil, _ attributes: [Onnx_AttributeProto] = []) -> String {
            let out = output ?? fresh(op.lowercased())
            var n = Onnx_NodeProto()
            n.opType = op
            n.input = inputs
            n.output = [out]
            n.name = out
            n.attribute = attributes
            nodes.append(n)
            return out
        }

        static func ints(_ name: String, _ v: [Int64]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .ints
            a.ints = v
            return a
        }

        static func int(_ name: String, _ v: Int64) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .int
            a.i = v
            return a
        }

        static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .float
            a.f = v
            return a
        }

        /// `x W^T + b` for a Linear with weight `[out, in]`.
        mutating func linear(_ x: String, _ weight: Tensor, _ bias: Tensor?, _ name: String) -> String {
            let w = constant(name + ".weight_t", weight.transposed())
            let y = node("MatMul", [x, w])
            guard let bias else { return y }
            return node("Add", [y, constant(name + ".bias", bias)])
        }

        mutating func layerNorm(_ x: String, _ ln: LayerNorm, _ name: String) -> String {
            node("LayerNormalization", [x, constant(name + ".weight", ln.weight), constant(name + ".bias", ln.bias)],
                 [Self.int("axis", -1), Self.float("epsilon", ln.eps)])
        }
    }

    static func graph(_ model: RegionMAE, positions: Tensor?) -> Onnx_GraphProto {
        let c = model.config
        let d = Int64(c.embedDim), heads = Int64(c.numHeads), hd = Int64(c.embedDim / c.numHeads)
        let table = positions ?? model.posEmbed                       // (N + 1, D)
        let n = c.numPatches
        var b = Builder()
        // Patches: Conv with kernel = stride = p, [B, D, G, G] -> [B, N, D].
        let conv = b.node("Conv", ["pixel_values", b.constant("patch_embed.proj.weight", model.patchEmbed.weight),
                                   b.constant("patch_embed.proj.bias", model.patchEmbed.bias)],
                          [Builder.ints("kernel_shape", [Int64(c.patchSize), Int64(c.patchSize)]),
                           Builder.ints("strides", [Int64(c.patchSize), Int64(c.patchSize)])])
        let flat = b.node("Reshape", [conv, b.int64s("shape_bdn", [0, d, -1])])
        let tokens = b.node("Transpose", [flat], [Builder.ints("perm", [0, 2, 1])])
        let patchPositions = table.slice(alongAxis: 0, 1..<(n + 1)).reshaped([1, n, c.embedDim])
        let placed = b.node("Add", [tokens, b.constant("pos_embed.patches", patchPositions)])
        // cls + its position, expanded to the batch.
        let cls = (model.clsToken + table.slice(alongAxis: 0, 0..<1).reshaped([1, 1, c.embedDim]))
        let shape = b.node("Shape", ["pixel_values"])
        let batch = b.node("Slice", [shape, b.int64s("zero", [0]), b.int64s("one", [1])])
        let clsShape = b.node("Concat", [batch, b.int64s("one_d", [1, d])], [Builder.int("axis", 0)])
        let clsB = b.node("Expand", [b.constant("cls_token.positioned", cls), clsShape])
        var x = b.node("Concat", [clsB, placed], [Builder.int("axis", 1)])

        let scale = b.scalar("attention_scale", Float(1 / Double(hd).squareRoot()))
        let half = b.scalar("half", 0.5), one = b.scalar("one_f", 1), rootTwo = b.scalar("sqrt2", Float(2.0.squareRoot()))
        let qkvShape = b.int64s("shape_qkv", [0, 0, 3, heads, hd])
        let mergeShape = b.int64s("shape_merge", [0, 0, d])
        for (i, block) in model.blocks.enumerated() {
            let p = "blocks.\(i)"
            let h = b.layerNorm(x, block.norm1, p + ".norm1")
            let qkv = b.linear(h, block.attn.qkv.weight, block.attn.qkv.bias, p + ".attn.qkv")
            let split = b.node("Transpose", [b.node("Reshape", [qkv, qkvShape])], [Builder.ints("perm", [2, 0, 3, 1, 4])])  // [3, B, H, T, hd]
            let q = b.node("Gather", [split, b.int64s(p + ".i0", [0])], [Builder.int("axis", 0)])
            let k = b.node("Gather", [split, b.int64s(p + ".i1", [1])], [Builder.int("axis", 0)])
            let v = b.node("Gather", [split, b.int64s(p + ".i2", [2])], [Builder.int("axis", 0)])
            let squeeze = b.int64s(p + ".axis0", [0])
            let (q4, k4, v4) = (b.node("Squeeze", [q, squeeze]), b.node("Squeeze", [k, squeeze]), b.node("Squeeze", [v, squeeze]))
            let scores = b.node("Mul", [b.node("MatMul", [q4, b.node("Transpose", [k4], [Builder.ints("perm", [0, 1, 3, 2])])]), scale])
            let probs = b.node("Softmax", [scores], [Builder.int("axis", -1)])
            let heads = b.node("Transpose", [b.node("MatMul", [probs, v4])], [Builder.ints("perm", [0, 2, 1, 3])])
            let merged = b.node("Reshape", [heads, mergeShape])
            x = b.node("Add", [x, b.linear(merged, block.attn.proj.weight, block.attn.proj.bias, p + ".attn.proj")])
            let h2 = b.layerNorm(x, block.norm2, p + ".norm2")
            let f1 = b.linear(h2, block.mlp.fc1.weight, block.mlp.fc1.bias, p + ".mlp.fc1")
            // GELU, exact: x · ½ (1 + erf(x / √2)).
            let erf = b.node("Erf", [b.node("Div", [f1, rootTwo])])
            let gelu = b.node("Mul", [b.node("Mul", [f1, half]), b.node("Add", [erf, one])])
            x = b.node("Add", [x, b.linear(gelu, block.mlp.fc2.weight, block.mlp.fc2.bias, p + ".mlp.fc2")])
        }
        let out = b.layerNorm(x, model.norm, "norm")
        b.node("Identity", [out], output: "last_hidden_state")

        var g = Onnx_GraphProto()
        g.name = "rmae_encoder"
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = [valueInfo("pixel_values", ["batch", c.inChans, c.imgSize, c.imgSize])]
        g.output = [valueInfo("last_hidden_state", ["batch", n + 1, c.embedDim])]
        return g
    }

    /// A float tensor's name and shape; a String dimension is symbolic (dynamic).
    static func valueInfo(_ name: String, _ dims: [Any]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let s = d as? String { dim.dimParam = s } else if let i = d as? Int { dim.dimValue = Int64(i) }
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
