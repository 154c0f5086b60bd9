import Data
import Foundation
import Models
import Serve
import Testing
import TestSupport

/// Clients that never finish a request are closed after the idle timeout; uploads declaring more pixels
/// than the serve budget are refused from their header.
@Suite(.serialized) struct SlowClientTests {
    @Test func anHTTP09LineWithoutHeadersIsClosedWithinTheTimeout() async throws {
        #expect(ServeServer.Options().idleTimeout <= 10)
        let server = try await LiveServer.start(idleTimeout: 1)
        // The timeout lives in NIO's channel handlers, so it fires even while other tests keep Swift's
        // cooperative threads busy (the route handlers then wait; the client waits up to 60 s, which is how
        // long the server held these open before). The server is not stopped: cancelling it while a handler
        // still waits for the short body's bytes trips a precondition in NIO's writer; it ends with the process.
        for request in ["GET /\r\n", "GET / HTTP/1.1\r\nHost: x\r\n", "POST /images HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"] {
            let (outcome, seconds) = RawHTTP.exchange(Array(request.utf8), port: server.port, timeout: 60)
            #expect(outcome != .silent, "\(request.debugDescription) held open for \(seconds) s")
        }
    }

    @Test func uploadsOverThePixelBudgetAreRefusedBeforeDecoding() async throws {
        let model = try RegionMAE(config: TestModelConfigs.small(), seed: 3)
        let service = SegmentationService(model: model, capacity: 2)
        let png = ImageAttacks.png(PNG.encode(pixels: [UInt8](repeating: 7, count: 8 * 8 * 3), width: 8, height: 8, channels: 3),
                                   width: 16000, height: 16000)
        do {
            _ = try await service.add(png, name: "big")
            Issue.record("a 16000×16000 upload was accepted")
        } catch {
            #expect(error.status == .contentTooLarge && error.message.contains("RMAE_SERVE_MAX_PIXELS"), "\(error.message)")
        }
        #expect(ImageLimits.uploads.pixels < ImageLimits.files.pixels || ProcessInfo.processInfo.environment["RMAE_SERVE_MAX_PIXELS"] != nil)
    }
}
