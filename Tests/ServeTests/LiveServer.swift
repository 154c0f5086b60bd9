import TestSupport
import Data
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Models
import Serve

/// A `rmae serve` server running in this process on 127.0.0.1 and a free port, with a fixture-sized region
/// model (32 px, patch 8: G = 4, N = 16) and the repository's demo images.
struct LiveServer: Sendable {
    let port: Int
    let task: Task<Void, any Error>

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let demoFolder = repository.appendingPathComponent("data/demo")

    static func config() -> ModelConfig { TestModelConfigs.small() }

    /// Starts a server and waits until it listens.
    static func start(maxUploadBytes: Int = 10 << 20, idleTimeout: Double? = nil) async throws -> LiveServer {
        let model = try RegionMAE(config: config(), seed: 3)
        let service = SegmentationService(model: model, capacity: 8)
        var options = ServeServer.Options(host: "127.0.0.1", port: 0, maxUploadBytes: maxUploadBytes, demoFolder: demoFolder)
        if let idleTimeout { options.idleTimeout = idleTimeout }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await ServeServer.application(service: service, options: options) { continuation.yield($0) }.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        return LiveServer(port: port, task: task)
    }

    func stop() { task.cancel() }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// One real HTTP request; the body and the response.
    func request(_ path: String, method: String = "GET", body: Foundation.Data? = nil) async throws -> (Foundation.Data, HTTPURLResponse) {
        var request = URLRequest(url: url(path))
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, response as! HTTPURLResponse)
    }

    /// Uploads a demo image and returns the image info.
    func upload(_ name: String = "001_skimage_astronaut.jpg") async throws -> SegmentationService.ImageInfo {
        let bytes = try Foundation.Data(contentsOf: Self.demoFolder.appendingPathComponent(name))
        let (data, response) = try await request("/images", method: "POST", body: bytes)
        guard response.statusCode == 200 else {
            throw ServeError(.init(code: response.statusCode), String(decoding: data, as: UTF8.self))
        }
        return try JSONDecoder().decode(SegmentationService.ImageInfo.self, from: data)
    }
}
