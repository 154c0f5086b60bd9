import Engine
import Foundation
import Models
import NN
@testable import ONNX
import Testing
import TestSupport

/// The ONNX encoder read back with swift-protobuf: its interface, opset and weights (onnxruntime runs it in
/// scripts/check-interop.sh, InteropScriptTests).
@Suite struct EncoderGraphTests {
    @Test func interfaceOpsetAndWeightsReadBack() throws {
        var c = TestModelConfigs.small()
        c.numRegion = 0
        let model = try RegionMAE(config: c, seed: 4)
        let data = try EncoderGraph.serialized(model)
        let m = try Onnx_ModelProto(serializedBytes: data)
        #expect(m.opsetImport.map(\.version) == [17] && m.irVersion == 8)
        let g = m.graph
        #expect(g.input.map(\.name) == ["pixel_values"] && g.output.map(\.name) == ["last_hidden_state"])
        let input = g.input[0].type.tensorType.shape.dim, output = g.output[0].type.tensorType.shape.dim
        #expect(input.map(\.dimParam) == ["batch", "", "", ""] && input.dropFirst().map(\.dimValue) == [3, 32, 32])
        #expect(output.map(\.dimParam) == ["batch", "", ""] && output.dropFirst().map(\.dimValue) == [Int64(c.numPatches + 1), Int64(c.embedDim)])
        // Every node's inputs are produced before it (or are graph inputs / initializers): a valid topological order.
        var known = Set(g.initializer.map(\.name) + ["pixel_values"])
        for node in g.node {
            for name in node.input { #expect(known.contains(name), "\(node.opType) \(node.name) reads \(name) before it exists") }
            known.formUnion(node.output)
        }
        #expect(known.contains("last_hidden_state"))
        #expect(g.node.filter { $0.opType == "LayerNormalization" }.count == 2 * c.depth + 1)
        // The weights are the model's, transposed for MatMul.
        let qkv = try #require(g.initializer.first { $0.name == "blocks.1.attn.qkv.weight_t" })
        #expect(qkv.dims == [Int64(c.embedDim), Int64(3 * c.embedDim)])
        let floats = qkv.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == model.blocks[1].attn.qkv.weight.transposed().scalars)
        let eps = try #require(g.node.first { $0.opType == "LayerNormalization" }?.attribute.first { $0.name == "epsilon" })
        #expect(eps.f == Float(c.layerNormEps))
    }
}
