import Foundation

/// Appends one record per call to `metrics.jsonl` and `metrics.csv` in the run directory. The CSV header is
/// fixed by the first record; later records write the same columns (empty where absent). Resumed runs append.
public final class MetricsWriter {
    let jsonl: FileHandle
    let csv: FileHandle
    var columns: [String]

    public init(runDirectory: URL, columns: [String]) throws {
        let fm = FileManager.default
        let jsonURL = runDirectory.appendingPathComponent("metrics.jsonl")
        let csvURL = runDirectory.appendingPathComponent("metrics.csv")
        let newCSV = !fm.fileExists(atPath: csvURL.path)
        for url in [jsonURL, csvURL] where !fm.fileExists(atPath: url.path) { fm.createFile(atPath: url.path, contents: nil) }
        jsonl = try FileHandle(forWritingTo: jsonURL)
        csv = try FileHandle(forWritingTo: csvURL)
        jsonl.seekToEndOfFile()
        csv.seekToEndOfFile()
        self.columns = columns
        if newCSV { csv.write(Data((columns.joined(separator: ",") + "\n").utf8)) }
    }

    /// Writes one record (numbers and strings).
    public func write(_ record: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
            jsonl.write(data)
            jsonl.write(Data("\n".utf8))
        }
        let row = columns.map { key -> String in
            guard let v = record[key] else { return "" }
            return "\(v)"
        }
        csv.write(Data((row.joined(separator: ",") + "\n").utf8))
    }

    deinit {
        try? jsonl.close()
        try? csv.close()
    }
}
