import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raw bytes to a TCP port on 127.0.0.1 and the first line of whatever comes back: for requests no HTTP
/// client would send (an HTTP/0.9 `GET /` line, mutated heads, wrong lengths).
public enum RawHTTP {
    /// What the server did with one request.
    public enum Outcome: Equatable, Sendable {
        /// The status code of the response's first line.
        case status(Int)
        /// The server closed the connection without answering.
        case closed
        /// Nothing came back within the timeout and the connection stayed open.
        case silent
    }

    /// Sends `request`, then reads until the status line, the connection closes, or `timeout` seconds pass.
    /// The write side stays open (a slow client), so only the server can end the exchange early.
    public static func exchange(_ request: [UInt8], port: Int, timeout: Double) -> (outcome: Outcome, seconds: Double) {
        signal(SIGPIPE, SIG_IGN)
        let start = Date()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (.closed, 0) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (.closed, Date().timeIntervalSince(start)) }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < timeout {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = max(1, Int32((timeout - Date().timeIntervalSince(start)) * 1000))
            guard poll(&poller, 1, min(left, 100)) >= 0 else { break }
            if poller.revents == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (status(received) ?? .closed, Date().timeIntervalSince(start)) }
            received += buffer[0..<n]
            if let s = status(received) { return (s, Date().timeIntervalSince(start)) }
        }
        return (status(received) ?? .silent, Date().timeIntervalSince(start))
    }

    /// The status of a response whose first line has arrived (`HTTP/1.1 404 Not Found`).
    static func status(_ bytes: [UInt8]) -> Outcome? {
        guard let end = bytes.firstIndex(of: 10) else { return nil }
        let parts = String(decoding: bytes[..<end], as: UTF8.self).split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return .status(0) }
        return .status(code)
    }
}
