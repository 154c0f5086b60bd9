import Data
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Regions
import Serve
import Testing

@Suite(.serialized) struct ServeTests {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    @Test func pageIsSelfContained() async throws {
        let server = try await LiveServer.start()
        defer { server.stop() }
        let (data, response) = try await server.request("/")
        let page = String(decoding: data, as: UTF8.self)
        #expect(response.statusCode == 200)
        #expect(response.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.contains("<script>") && page.contains("<style>") && page.contains("id=\"ratio\""))
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("@import"))
    }

    @Test func demoImagesAreListedAndServed() async throws {
        let server = try await LiveServer.start()
        defer { server.stop() }
        let (list, _) = try await server.request("/demo")
        let names = try JSONDecoder().decode([String].self, from: list)
        #expect(names.contains("001_skimage_astronaut.jpg"))
        let (bytes, response) = try await server.request("/demo/001_skimage_astronaut.jpg")
        #expect(response.statusCode == 200 && bytes.count > 1000)
        let (_, missing) = try await server.request("/demo/..%2FATTRIBUTION.md")
        #expect(missing.statusCode == 404)
    }

    @Test func segmentationAnswersWithAnOverlayPNG() async throws {
        let server = try await LiveServer.start()
        defer { server.stop() }
        let info = try await server.upload()
        #expect(info.size == 32 && info.grid == 4 && info.patchSize == 8 && info.width == 256 && info.height == 256)
        let (data, response) = try await server.request("/images/\(info.id)/segment?object=5,6&background=0")
        #expect(response.statusCode == 200)
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "image/png")
        #expect(Array(data.prefix(8)) == Self.pngSignature)
        let overlay = try ImageDecoder.decode([UInt8](data), name: "overlay")
        #expect(overlay.width == 32 && overlay.height == 32)
        // The object patches are known, so they are in the mask (red); the background patch is not.
        let coverage = Double(response.value(forHTTPHeaderField: "X-Mask-Coverage") ?? "") ?? -1
        #expect(coverage >= 2.0 / 16 && coverage <= 15.0 / 16)
        let inside = 3 * (12 * 32 + 12)               // patch 5 = row 1, column 1
        #expect(overlay.pixels[inside] == 255)
        // Background only is a valid prompt too.
        let (_, onlyBackground) = try await server.request("/images/\(info.id)/segment?background=0,15")
        #expect(onlyBackground.statusCode == 200)
        // The model's view and a reconstruction.
        let (view, viewResponse) = try await server.request("/images/\(info.id)/view")
        #expect(viewResponse.statusCode == 200 && Array(view.prefix(8)) == Self.pngSignature)
        let (grid, gridResponse) = try await server.request("/images/\(info.id)/reconstruct?ratio=0.5&seed=2")
        #expect(gridResponse.statusCode == 200)
        let picture = try ImageDecoder.decode([UInt8](grid), name: "grid")
        #expect(picture.width > 3 * 32)
    }

    @Test func badRequestsGetClearErrorsAndTheServerStaysUp() async throws {
        let server = try await LiveServer.start(maxUploadBytes: 64 << 10)
        defer { server.stop() }
        // Not an image.
        let (text, notImage) = try await server.request("/images", method: "POST", body: Foundation.Data("hello, not a picture".utf8))
        #expect(notImage.statusCode == 400)
        #expect(String(decoding: text, as: UTF8.self).contains("not a JPEG or PNG"))
        // Empty.
        let (_, empty) = try await server.request("/images", method: "POST", body: Foundation.Data())
        #expect(empty.statusCode == 400)
        // Too large: 200 KB against a 64 KB limit.
        let (tooLargeText, tooLarge) = try await server.request("/images", method: "POST", body: Foundation.Data(count: 200 << 10))
        #expect(tooLarge.statusCode == 413)
        #expect(String(decoding: tooLargeText, as: UTF8.self).contains("too large"))
        // Unknown image, bad prompts, bad numbers.
        let (_, unknown) = try await server.request("/images/nope/segment?object=1")
        #expect(unknown.statusCode == 404)
        let info = try await server.upload("006_skimage_camera_grey.jpg")
        for query in ["object=abc", "object=16", "object=-1", "", "object=3&background=3", "object=2,2", "object=1&threshold=2",
                      "object=1&threshold=x"] {
            let (message, response) = try await server.request("/images/\(info.id)/segment?\(query)")
            #expect(response.statusCode == 400, "\(query): \(response.statusCode)")
            #expect(!message.isEmpty)
        }
        for query in ["ratio=1", "ratio=-0.1", "ratio=x", "seed=-3"] {
            let (_, response) = try await server.request("/images/\(info.id)/reconstruct?\(query)")
            #expect(response.statusCode == 400, "\(query): \(response.statusCode)")
        }
        // Still up.
        let (_, page) = try await server.request("/")
        #expect(page.statusCode == 200)
    }

    @Test func concurrentRequestsAllSucceed() async throws {
        let server = try await LiveServer.start()
        defer { server.stop() }
        let info = try await server.upload("002_skimage_chelsea.jpg")
        let codes = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<12 {
                group.addTask {
                    let path = i % 3 == 0 ? "/images/\(info.id)/reconstruct?ratio=0.\(i % 9)" : "/images/\(info.id)/segment?object=\(i % 16)"
                    return try await server.request(path).1.statusCode
                }
            }
            group.addTask { (try? await server.upload("003_skimage_coffee.jpg")) == nil ? 500 : 200 }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(codes.count == 13 && codes.allSatisfy { $0 == 200 })
    }
}
