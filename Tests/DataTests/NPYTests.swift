import Foundation
import Testing
import TestSupport
@testable import Data

/// `.npy` reading and writing: round trips, NumPy's exact bytes, and malformed files.
@Suite struct NPYTests {
    static let arrays: [NPYArray] = [
        NPYArray(shape: [2, 3], uint8: [0, 1, 2, 253, 254, 255]),
        NPYArray(shape: [3, 1, 2], uint16: [0, 1, 255, 256, 65534, 65535]),
        NPYArray(shape: [4], int32: [0, -1, .max, .min]),
        NPYArray(shape: [2, 2], float32: [0, -1.5, .pi, .infinity]),
        NPYArray(shape: [], int32: [42]),
        NPYArray(shape: [0, 5], uint8: []),
    ]

    @Test(arguments: arrays)
    func roundTrip(_ array: NPYArray) throws {
        let bytes = array.encoded()
        #expect(try NPYArray.parse(bytes) == array)
        let headerEnd = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerEnd) % 64 == 0, "data starts on a 64-byte boundary")
        #expect(bytes[10 + headerEnd - 1] == 0x0A)
    }

    @Test func valuesWiden() {
        #expect(NPYArray(shape: [3], uint16: [1, 300, 65535]).integers == [1, 300, 65535])
        #expect(NPYArray(shape: [2], int32: [-7, 9]).integers == [-7, 9])
        #expect(NPYArray(shape: [2], float32: [0.5, -2]).floats == [0.5, -2])
    }

    /// The FH fixtures were written by `numpy.save`; re-encoding one must give the same bytes.
    @Test(.enabled(if: SharedFiles.available)) func matchesNumPyBytes() throws {
        let url = SharedFiles.url("fixtures/fh/chelsea_s500.npy")
        let original = [UInt8](try Foundation.Data(contentsOf: url))
        let array = try NPYArray.read(contentsOf: url)
        #expect(array.dtype == .int32 && array.shape == [300, 451])
        #expect(array.encoded() == original)
    }

    @Test func readsVersion2AndFileRoundTrip() throws {
        let dict = "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }"
        var header = Array(dict.utf8)
        while (12 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let n = header.count
        let bytes = NPYArray.magic + [2, 0, UInt8(n & 255), UInt8(n >> 8), 0, 0] + header + [1, 0, 2, 1]
        #expect(try NPYArray.parse(bytes) == NPYArray(shape: [2], uint16: [1, 258]))

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-npy-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.arrays[1].write(to: url)
        #expect(try NPYArray.read(contentsOf: url) == Self.arrays[1])
    }

    @Test func malformedFilesThrow() {
        let good = Self.arrays[0].encoded()
        /// `good` with one ASCII fragment of its header replaced by another of the same length.
        func replacing(_ old: String, _ new: String) -> [UInt8] {
            let (o, n) = (Array(old.utf8), Array(new.utf8))
            precondition(o.count == n.count)
            var bytes = good
            let at = (0...(bytes.count - o.count)).first { Array(bytes[$0..<($0 + o.count)]) == o }!
            bytes.replaceSubrange(at..<(at + o.count), with: n)
            return bytes
        }
        func expectError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try NPYArray.parse(bytes, name: "x.npy")
                Issue.record("parsed", sourceLocation: sourceLocation)
            } catch {
                #expect(error.file == "x.npy" && error.reason.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            }
        }
        expectError(Array(good.dropLast()), "data has")
        expectError(Array(good[0..<8]), "bad magic")
        expectError([0x93] + Array("NUMPX".utf8) + Array(good[6...]), "bad magic")
        expectError(replacing("False", "True "), "Fortran")
        expectError(replacing("|u1", ">i8"), "unsupported dtype")
    }
}

extension NPYArray: CustomTestStringConvertible {
    public var testDescription: String { "\(dtype.rawValue) \(shape)" }
}
