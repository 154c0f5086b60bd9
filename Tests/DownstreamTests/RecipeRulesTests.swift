import Downstream
import Engine
import Foundation
import Models
import Testing

/// The fine-tuning recipe's rules against the numbers of the code they come from.
struct RecipeRulesTests {
    /// MAE's `param_groups_lrd(model, layer_decay=0.75)` on a 12-block ViT: `layer_scales[i] = 0.75 ** (13 - i)`
    /// with ids cls_token / pos_embed / patch_embed → 0, blocks.k → k + 1, the rest → 13.
    @Test func layerDecayGroupsFollowMAEsRule() {
        let rule = LayerDecay(depth: 12, decay: 0.75)
        let expected: [(String, Double)] = [
            ("cls_token", 0.023757264018058777), ("pos_embed", 0.023757264018058777), ("patch_embed.proj.weight", 0.023757264018058777),
            ("blocks.0.attn.qkv.weight", 0.03167635202407837), ("blocks.5.mlp.fc1.bias", 0.1334838867187500),
            ("blocks.11.norm2.weight", 0.75), ("norm.weight", 1), ("head.weight", 1), ("fc_norm.bias", 1),
        ]
        for (name, scale) in expected {
            #expect(abs(rule.learningRateScale(name) - scale) < 1e-15, "\(name): \(rule.learningRateScale(name)) vs \(scale)")
        }
        #expect(rule.layerID("blocks.10.attn.proj.weight") == 11)
        #expect(LayerDecay.noDecay("blocks.0.attn.qkv.bias", [576]))
        #expect(LayerDecay.noDecay("norm.weight", [192]))
        #expect(LayerDecay.noDecay("pos_embed", [1, 197, 192]) && LayerDecay.noDecay("cls_token", [1, 1, 192]))
        #expect(!LayerDecay.noDecay("blocks.0.attn.qkv.weight", [576, 192]) && !LayerDecay.noDecay("patch_embed.proj.weight", [192, 3, 16, 16]))
    }

    static func table(grid g: Int, dim d: Int) -> Tensor {
        var values: [Float] = (0..<d).map { Float($0) - 7 }          // the cls row
        for i in 0..<g { for j in 0..<g { for c in 0..<d {
            values.append(Float(sin(0.7 * Double(i) + 1.3 * Double(j) + 0.5 * Double(c)) + 0.1 * Double(c)))
        } } }
        return Tensor(shape: [1, 1 + g * g, d], values)
    }

    /// Values of `torch.nn.functional.interpolate(t, size=(n, n), mode="bicubic", align_corners=False)` on the
    /// same grids (torch 2.13, float64; `t[0, c, i, j] = sin(0.7 i + 1.3 j + 0.5 c) + 0.1 c`), read back as
    /// `[n·n, D]` rows.
    static let torchBicubic: [(g: Int, n: Int, d: Int, values: [Double])] = [
        (3, 5, 1, [-0.160783661, 0.366014260, 0.968767218, 0.805127204, 0.542824214, 0.153213485, 0.566036941, 0.977203074, 0.615302619,
                   0.232153810, 0.618770032, 0.823895731, 0.909297427, 0.275352778, -0.260181834, 0.927177284, 0.872509361, 0.610457114,
                   -0.134528528, -0.686438984, 1.079368858, 0.857087026, 0.381115796, -0.396356623, -0.929073012]),
        (4, 2, 2, [0.705853723, 0.979060667, -0.380402078, -0.619395328, 0.589960842, 0.298493292, -0.829047238, -0.472837478]),
        (4, 7, 1, [-0.166393608, 0.311800548, 0.927705667, 0.988673662, 0.493507828, -0.258767372, -0.780413221, 0.121518270, 0.503087874,
                   0.960402745, 0.827045321, 0.228470811, -0.458724560, -0.913541148, 0.557558373, 0.771603896, 0.962436461, 0.537350224,
                   -0.189998172, -0.742780038, -1.072153716, 0.902505606, 0.907697084, 0.792975518, 0.146383323, -0.582550215, -0.899844975,
                   -1.042690114, 1.056542779, 0.851782041, 0.455773785, -0.275548537, -0.851873442, -0.866562666, -0.792662749, 1.022912862,
                   0.647926362, 0.045137679, -0.641422505, -0.967179355, -0.682332733, -0.408652331, 0.967598873, 0.494013484, -0.223736456,
                   -0.858720907, -1.010670598, -0.540075900, -0.145241758]),
    ]

    /// The same with `antialias=True` (timm's `resample_abs_pos_embed` default; torch 2.13, float64).
    static let torchAntialiased: [(g: Int, n: Int, d: Int, values: [Double])] = [
        (3, 5, 1, [-0.125320093, 0.325804436, 0.967653337, 0.752586068, 0.536022594, 0.153664551, 0.505189685, 0.966104824, 0.571475096, 0.256380714, 0.624211669, 0.784971467, 0.909297427, 0.228384941, -0.238277250, 0.917298365, 0.841589577, 0.593981075, -0.179633971, -0.665194120, 1.058010212, 0.847091182, 0.391008745, -0.411335834, -0.892053807]),
        (4, 2, 2, [0.642104151, 0.772435547, -0.247976465, -0.421756801, 0.415354658, 0.205703374, -0.680018740, -0.478190924]),
        (5, 3, 1, [0.614081009, 0.203398300, -0.818166147, 0.749471751, -0.556216217, -0.191377296, 0.046885471, -0.693930830, 0.649388635]),
        (6, 4, 1, [0.511988622, 0.510037458, -0.805378270, 0.003450162, 0.856935752, -0.277532773, -0.627068761, 0.721805473, 0.352657014, -0.827338577, 0.196421102, 0.748441524, -0.463903429, -0.553959639, 0.788258644, 0.054996873]),
    ]

    @Test func antialiasedResizeMatchesTorchAntialias() {
        for (g, n, d, values) in Self.torchAntialiased {
            let out = PositionEmbeddingResize.resized(Self.table(grid: g, dim: d), grid: n, antialias: true).scalars
            #expect(Array(out.prefix(d)) == (0..<d).map { Float($0) - 7 }, "cls row changed")
            let worst = zip(out.dropFirst(d), values).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(worst < 1e-6, "\(g)→\(n): worst \(worst)")
        }
    }

    @Test func positionTableResizeMatchesTorchBicubicAndKeepsTheClsRow() {
        for (g, n, d, values) in Self.torchBicubic {
            let resized = PositionEmbeddingResize.resized(Self.table(grid: g, dim: d), grid: n)
            #expect(resized.shape == [1, 1 + n * n, d])
            let out = resized.scalars
            #expect(Array(out.prefix(d)) == (0..<d).map { Float($0) - 7 }, "cls row changed")
            let worst = zip(out.dropFirst(d), values).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(worst < 1e-6, "\(g)→\(n): worst \(worst)")
        }
        let same = Self.table(grid: 3, dim: 2)
        #expect(PositionEmbeddingResize.resized(same, grid: 3).scalars == same.scalars)
    }
}
