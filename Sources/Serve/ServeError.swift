import Hummingbird

/// A request `rmae serve` turns down: an HTTP status and a sentence for the person at the page.
public struct ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status to answer with (4xx).
    public let status: HTTPResponse.Status
    /// What went wrong, in plain words; sent as the `text/plain` body.
    public let message: String

    /// - Parameters:
    ///   - status: the HTTP status to answer with.
    ///   - message: what went wrong, in plain words.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(status.code): \(message)" }
}
