import Foundation
import Testing
import TestSupport
import Training

/// `rmae parity` on every golden fixture in ../shared/fixtures (made by the official PyTorch R-MAE).
@Suite(.enabled(if: SharedFiles.available, "../shared is absent: the golden fixtures live there"))
struct FixtureParityTests {
    static let fixtures: [String] = {
        let dir = SharedFiles.url("fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func everyShippedFixtureIsFound() {
        #expect(Self.fixtures.count >= 4, "found \(Self.fixtures)")
    }

    @Test(arguments: fixtures)
    func matchesTheOfficialModel(file: String) throws {
        let report = try FixtureParity.check(SharedFiles.url("fixtures/\(file)"))
        #expect(report.rows.count > 100)
        for row in report.rows where !row.passed {
            Issue.record("\(file) \(row.name): max error \(row.error) > tolerance \(row.tolerance)")
        }
    }
}
