import Data
import Foundation
import Hummingbird

/// The HTTP side of `rmae serve`: one page and a small API over a ``SegmentationService``.
///
/// Routes (every error is `text/plain` with a 4xx status, and the server keeps running):
/// - `GET /`: the page (inline HTML, CSS and JavaScript; no external assets).
/// - `GET /demo`: the demo image names, a JSON array. `GET /demo/<name>`: one demo image's bytes.
/// - `POST /images`: the body is a JPEG or PNG file (at most ``Options/maxUploadBytes``; 413 above, 400
///   when it does not decode); answers ``SegmentationService/ImageInfo`` as JSON.
/// - `GET /images/<id>/view`: the model's view of the image, PNG.
/// - `GET /images/<id>/segment?object=3,4&background=9&threshold=0.5`: the predicted region as an RGBA
///   PNG overlay (header `X-Mask-Coverage`: the fraction of the image it covers).
/// - `GET /images/<id>/reconstruct?ratio=0.75&seed=0`: the reconstruction grid, PNG.
public enum ServeServer {
    /// Where to listen and what to accept.
    public struct Options: Sendable {
        /// The address to bind.
        public var host: String
        /// The port; 0 picks a free one (see `onRunning`).
        public var port: Int
        /// The largest upload accepted, in bytes.
        public var maxUploadBytes: Int
        /// The folder of demo images (`*.jpg`, `*.jpeg`, `*.png`), or nil for none.
        public var demoFolder: URL?
        /// Seconds a connection may go without sending a complete request part (head, body chunk) before
        /// it is closed: slow or silent clients are not held forever.
        public var idleTimeout: Double = 5

        /// - Parameters:
        ///   - host: the address to bind.
        ///   - port: the port; 0 picks a free one.
        ///   - maxUploadBytes: the largest upload accepted, in bytes.
        ///   - demoFolder: the folder of demo images, or nil.
        public init(host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 10 << 20, demoFolder: URL? = nil) {
            self.host = host
            self.port = port
            self.maxUploadBytes = maxUploadBytes
            self.demoFolder = demoFolder
        }
    }

    /// The demo image file names in `folder`, sorted.
    public static func demoNames(in folder: URL?) -> [String] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { ImageDecoder.extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    }

    /// The router with every route.
    public static func router(service: SegmentationService, options: Options) -> Router<BasicRequestContext> {
        let router = Router()
        let demos = demoNames(in: options.demoFolder)
        let limit = options.maxUploadBytes

        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: ServePage.html(maxUploadBytes: limit))))
        }
        router.get("/demo") { _, _ in
            try json(demos)
        }
        router.get("/demo/:name") { _, context in
            try await answer {
                let name = context.parameters.get("name") ?? ""
                guard demos.contains(name), let folder = options.demoFolder,
                      let bytes = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                    throw ServeError(.notFound, "no demo image named '\(name)'")
                }
                let type = name.lowercased().hasSuffix(".png") ? "image/png" : "image/jpeg"
                return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
        router.post("/images") { request, context in
            try await answer {
                if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
                    throw tooLarge(declared, limit: limit)
                }
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: limit)
                } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                    throw tooLarge(nil, limit: limit)
                }
                guard body.readableBytes > 0 else { throw ServeError(.badRequest, "empty upload: send the image file as the request body") }
                let info = try await service.add(Array(buffer: body), name: "upload")
                return try json(info)
            }
        }
        router.get("/images/:id/view") { _, context in
            try await answer {
                png(try await service.view(context.parameters.get("id") ?? ""))
            }
        }
        router.get("/images/:id/segment") { request, context in
            try await answer {
                let query = request.uri.queryParameters
                let object = try patches(query.get("object"), name: "object")
                let background = try patches(query.get("background"), name: "background")
                let threshold = try number(query.get("threshold"), name: "threshold", default: 0.5)
                let (bytes, coverage) = try await service.segment(context.parameters.get("id") ?? "", object: object,
                                                                  background: background, threshold: Float(threshold))
                var response = png(bytes)
                response.headers[.init("X-Mask-Coverage")!] = String(format: "%.4f", coverage)
                return response
            }
        }
        router.get("/images/:id/reconstruct") { request, context in
            try await answer {
                let query = request.uri.queryParameters
                let ratio = try number(query.get("ratio"), name: "ratio", default: 0.75)
                let seedText = query.get("seed") ?? "0"
                guard let seed = UInt64(seedText) else { throw ServeError(.badRequest, "seed '\(seedText)' is not a whole number ≥ 0") }
                return png(try await service.reconstruct(context.parameters.get("id") ?? "", maskRatio: ratio, seed: seed))
            }
        }
        return router
    }

    /// The application: the router on `options.host:options.port`.
    /// - Parameter onRunning: called with the bound port once the server listens.
    public static func application(service: SegmentationService, options: Options,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        // A connection that sends no complete request part for `idleTimeout` (a slow client, or an HTTP/0.9
        // `GET /` line with no headers) is closed; a request being answered is never cut.
        Application(router: router(service: service, options: options),
                    server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(options.idleTimeout * 1000)))),
                    configuration: .init(address: .hostname(options.host, port: options.port), serverName: "rmae-serve"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) })
    }

    /// Runs the application until SIGINT or SIGTERM (then shuts down gracefully) or until the task is
    /// cancelled.
    /// - Parameter onRunning: called with the bound port once the server listens.
    public static func run(service: SegmentationService, options: Options,
                           onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(service: service, options: options, onRunning: onRunning).runService()
    }

    // MARK: Helpers

    /// Runs `body`, turning a ``ServeError`` into a `text/plain` response with its status.
    static func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ServeError {
            return Response(status: error.status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: error.message + "\n")))
        }
    }

    static func tooLarge(_ bytes: Int?, limit: Int) -> ServeError {
        let size = bytes.map { String(format: "%.1f MB", Double($0) / 1_048_576) } ?? "more than the limit"
        return ServeError(.contentTooLarge, String(format: "the upload is too large (%@); the limit is %.1f MB", size, Double(limit) / 1_048_576))
    }

    static func png(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: some Encodable) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `"3,4,9"` → `[3, 4, 9]`; nil or empty → `[]`.
    static func patches(_ text: String?, name: String) throws(ServeError) -> [Int] {
        guard let text, !text.isEmpty else { return [] }
        var out: [Int] = []
        for part in text.split(separator: ",") {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw ServeError(.badRequest, "\(name): '\(part)' is not a patch index")
            }
            out.append(value)
        }
        return out
    }

    static func number(_ text: String?, name: String, default value: Double) throws(ServeError) -> Double {
        guard let text, !text.isEmpty else { return value }
        guard let parsed = Double(text), parsed.isFinite else { throw ServeError(.badRequest, "\(name): '\(text)' is not a number") }
        return parsed
    }
}
