import Engine
import Models
import Testing
import TestSupport
@testable import Viz

@Suite struct AttentionMapTests {
    @Test func mapsAreProbabilityRowsOfTheQueryPatch() throws {
        let model = try InferenceFixtures.model()
        let image = ModelImage(InferenceFixtures.photo(width: 32, height: 32, box: (4, 4, 16, 16)), size: 32, normalization: .imagenet).tensor
        let map = AttentionMap(model: model, image: image, queryPatch: 6)
        #expect(map.gridSize == 4 && map.queryPatch == 6)
        #expect(map.heads.count == 2 && map.heads.allSatisfy { $0.count == 16 })
        for (head, share) in zip(map.heads, map.clsShare) {
            #expect(head.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(abs(head.reduce(0, +) + share - 1) < 1e-5)   // softmax row over cls + 16 patches
        }
        let mean = map.mean
        for i in 0..<16 { #expect(abs(mean[i] - (map.heads[0][i] + map.heads[1][i]) / 2) < 1e-7) }
    }

    @Test func lastBlockInputContinuesToTheEncoderOutput() throws {
        let model = try InferenceFixtures.model()
        let image = randomTensor([1, 3, 32, 32], seed: 9)
        let x = withoutGradient { AttentionMap.lastBlockInput(model: model, image: image) }
        #expect(x.shape == [1, 17, 32])
        let finished = withoutGradient { model.norm(model.blocks[1](x)) }
        let encoded = withoutGradient { model.encode(image, keep: [Array(0..<16)]) }
        expectClose(finished, encoded, atol: 1e-6, "encoder output")
    }

    @Test func differentQueriesGiveDifferentRows() throws {
        let model = try InferenceFixtures.model()
        let image = randomTensor([1, 3, 32, 32], seed: 2)
        #expect(AttentionMap(model: model, image: image, queryPatch: 0).heads != AttentionMap(model: model, image: image, queryPatch: 15).heads)
    }

    @Test func pictureHasAPanelPerHeadPlusTheMeanAndMarksTheQuery() throws {
        let model = try InferenceFixtures.model()
        let photo = InferenceFixtures.photo(width: 32, height: 32, box: (4, 4, 16, 16))
        let map = AttentionMap(model: model, image: ModelImage(photo, size: 32, normalization: .imagenet).tensor, queryPatch: 5)
        let canvas = AttentionPicture.render(map, photo: photo, queryPixel: (12, 12), patchSize: 8, title: "T")
        let tile = max(32, Canvas.textWidth("MAX 0.000") + 2)
        #expect(canvas.width == 4 + 3 * (tile + 4))
        #expect(canvas.height == 14 + 20 + 32 + 4 + 4)
        // The query patch (column 1, row 1) is outlined in green in the first panel.
        let (x, y) = (4 + 8, 14 + 20 + 8)
        let i = (y * canvas.width + x) * 3
        #expect(Array(canvas.pixels[i..<(i + 3)]) == [0, 255, 0])
    }
}
