import Foundation
import Viz

/// Training curves from run directories' `metrics.jsonl`, drawn with ``LinePlot``: what `curves.png` shows
/// during a run and what `rmae curves` draws for several runs.
///
/// One run: training losses (total, pixel, region; validation loss as points), and the validation
/// masked-region IoU beside its nearest-visible-patch baseline (dashed); for MAE, the validation losses.
/// Several runs, one colour each: training pixel loss, validation pixel loss, and for region models the
/// validation masked-region IoU with each run's baseline dashed.
public enum RunCurves {
    /// One run's records, by update.
    public struct Run {
        public var name: String
        /// The numeric fields of each record, sorted by `step`, one record per step (the last one written:
        /// a resumed run rewrites the steps after its checkpoint).
        public var records: [[String: Double]]

        public init(name: String, records: [[String: Double]]) {
            self.name = name
            self.records = records
        }

        /// Reads `metrics.jsonl` from a run directory.
        public init(directory: URL, name: String? = nil) throws {
            let file = directory.appendingPathComponent("metrics.jsonl")
            let text: String
            do { text = try String(contentsOf: file, encoding: .utf8) } catch {
                throw ConfigurationError(description: "\(file.path): cannot be read (\(error.localizedDescription))")
            }
            var byStep: [Int: [String: Double]] = [:]
            for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw ConfigurationError(description: "\(file.path): line \(n + 1) is not a JSON object")
                }
                var record: [String: Double] = [:]
                for (key, value) in object { if let v = value as? NSNumber { record[key] = v.doubleValue } }
                guard let step = record["step"] else { continue }
                byStep[Int(step)] = record
            }
            self.init(name: name ?? directory.lastPathComponent, records: byStep.keys.sorted().map { byStep[$0]! })
        }

        /// `(x, value)` of every record that has `key`; x is the update or the minutes of training so far
        /// (`elapsed_s`, accumulated across resumes).
        public func series(_ key: String, x: XAxis) -> [(x: Double, y: Double)] {
            var offset = 0.0, last = 0.0
            var out: [(x: Double, y: Double)] = []
            for r in records {
                let elapsed = r["elapsed_s"] ?? last
                if elapsed < last { offset += last }   // a resumed process starts its clock again
                last = elapsed
                guard let y = r[key] else { continue }
                out.append((x == .updates ? r["step"] ?? 0 : (offset + elapsed) / 60, y))
            }
            return out
        }

        func has(_ key: String) -> Bool { records.contains { $0[key] != nil } }
    }

    /// What the horizontal axis counts.
    public enum XAxis: String, CaseIterable, Sendable {
        case updates, minutes
        var label: String { self == .updates ? "UPDATE" : "MINUTES OF TRAINING" }
    }

    /// The panels side by side.
    public static func render(_ runs: [Run], x: XAxis = .updates, panelWidth: Int = 360, panelHeight: Int = 230) -> Canvas {
        let plots = runs.count == 1 ? single(runs[0], x: x) : compared(runs, x: x)
        var canvas = Canvas(width: plots.count * panelWidth, height: panelHeight)
        for (i, plot) in plots.enumerated() {
            canvas.draw(plot.render(width: panelWidth, height: panelHeight).image, x: i * panelWidth, y: 0)
        }
        return canvas
    }

    /// Writes `curves.png`-style pictures (atomically), enlarged twice for reading.
    public static func write(_ runs: [Run], x: XAxis = .updates, to url: URL) throws {
        try render(runs, x: x).upscaled(2).writePNG(to: url)
    }

    static func single(_ run: Run, x: XAxis) -> [LinePlot] {
        let c = LinePlot.palette
        var losses = LinePlot(title: "TRAINING LOSS", xLabel: x.label)
        let pixel = run.records.contains { ($0["mae_loss"] ?? 0) != 0 }, region = run.records.contains { ($0["region_loss"] ?? 0) != 0 }
        if pixel && region { losses.series.append(.init(name: "total", points: run.series("loss", x: x), color: c[0])) }
        if pixel { losses.series.append(.init(name: "pixel", points: run.series("mae_loss", x: x), color: c[1])) }
        if region { losses.series.append(.init(name: "region", points: run.series("region_loss", x: x), color: c[2])) }
        if !pixel && !region { losses.series.append(.init(name: "training", points: run.series("loss", x: x), color: c[0])) }
        if run.has("val_loss") {
            losses.series.append(.init(name: "validation", points: run.series("val_loss", x: x), color: c[3], markers: true))
        }
        var plots = [losses]
        if run.has("val_region_iou") {
            plots.append(LinePlot(title: "VALIDATION MASKED-REGION IOU", xLabel: x.label, series: [
                .init(name: "model", points: run.series("val_region_iou", x: x), color: c[3], markers: true),
                .init(name: "nearest visible patch", points: run.series("val_region_iou_baseline", x: x), color: c[7], dashed: true),
            ]))
        }
        if run.has("val_miou") {   // fine-tuning: validation mIoU beside its trivial baselines
            plots.append(LinePlot(title: "VALIDATION MIOU", xLabel: x.label, series: [
                .init(name: "model", points: run.series("val_miou", x: x), color: c[3], markers: true),
                .init(name: "majority class", points: run.series("val_miou_majority", x: x), color: c[7], dashed: true),
                .init(name: "all background", points: run.series("val_miou_all_background", x: x), color: c[5], dashed: true),
            ]))
        }
        return plots
    }

    static func compared(_ runs: [Run], x: XAxis) -> [LinePlot] {
        func color(_ i: Int) -> (UInt8, UInt8, UInt8) { LinePlot.palette[i % LinePlot.palette.count] }
        if runs.allSatisfy({ $0.has("val_miou") }) { return comparedFinetuning(runs, x: x) }
        var train = LinePlot(title: "TRAINING PIXEL LOSS", xLabel: x.label)
        var validation = LinePlot(title: "VALIDATION PIXEL LOSS", xLabel: x.label)
        var iou = LinePlot(title: "VALIDATION MASKED-REGION IOU", xLabel: x.label)
        for (i, run) in runs.enumerated() {
            train.series.append(.init(name: run.name, points: run.series("mae_loss", x: x), color: color(i)))
            if run.has("val_mae_loss") {
                validation.series.append(.init(name: run.name, points: run.series("val_mae_loss", x: x), color: color(i), markers: true))
            }
            if run.has("val_region_iou") {
                iou.series.append(.init(name: run.name, points: run.series("val_region_iou", x: x), color: color(i), markers: true))
            }
        }
        // Baselines: the views are fixed, so a run's baseline is one value; one grey line across the plot when
        // every region run has the same (same views, k and ratios), else one dashed line per run.
        let baselines = runs.enumerated().filter { $0.element.has("val_region_iou_baseline") }
            .map { (index: $0.offset, name: $0.element.name, points: $0.element.series("val_region_iou_baseline", x: x)) }
        let values = Set(baselines.flatMap { $0.points.map { ($0.y * 1e6).rounded() } })
        if values.count == 1, let v = baselines.first?.points.first?.y {
            let xs = runs.flatMap { $0.series("step", x: x).map(\.x) }
            iou.series.append(.init(name: "nearest visible patch", points: [(xs.min() ?? 0, v), (xs.max() ?? 1, v)],
                                    color: LinePlot.palette[7], dashed: true))
        } else {
            for b in baselines {
                iou.series.append(.init(name: "\(b.name) baseline", points: b.points, color: color(b.index), dashed: true))
            }
        }
        return [train, validation, iou].filter { !$0.series.isEmpty }
    }

    /// Fine-tuning runs side by side: training loss, validation mIoU (the majority baseline of the first run,
    /// the same pixels for every run on one validation set).
    static func comparedFinetuning(_ runs: [Run], x: XAxis) -> [LinePlot] {
        func color(_ i: Int) -> (UInt8, UInt8, UInt8) { LinePlot.palette[i % LinePlot.palette.count] }
        var train = LinePlot(title: "TRAINING LOSS", xLabel: x.label)
        var miou = LinePlot(title: "VALIDATION MIOU", xLabel: x.label)
        for (i, run) in runs.enumerated() {
            train.series.append(.init(name: run.name, points: run.series("loss", x: x), color: color(i)))
            miou.series.append(.init(name: run.name, points: run.series("val_miou", x: x), color: color(i), markers: true))
        }
        if let v = runs.first?.series("val_miou_majority", x: x).first?.y {
            let xs = runs.flatMap { $0.series("step", x: x).map(\.x) }
            miou.series.append(.init(name: "majority class", points: [(xs.min() ?? 0, v), (xs.max() ?? 1, v)], color: LinePlot.palette[7], dashed: true))
        }
        return [train, miou]
    }
}
