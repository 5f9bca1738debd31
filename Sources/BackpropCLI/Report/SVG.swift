import Foundation

/// Charts as SVG text, drawn by the project: no JavaScript, no fonts to fetch, readable at a glance (axes with
/// ticks, labels and units, a legend).
enum SVG {
  /// A series of a line chart: its name in the legend, its colour, and its points (x, y).
  struct Series {
    var name: String
    var color: String
    var points: [(x: Double, y: Double)]
  }

  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

  /// A line chart of `series` with the x axis `xLabel` and the y axis `yLabel`; `logY` draws y on a log₁₀ scale
  /// (non-positive values are left out), as gradient norms that shrink by orders of magnitude need.
  static func lineChart(
    title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false, width: Double = 580,
    height: Double = 300
  ) -> String {
    let plotted = series.map { s in Series(name: s.name, color: s.color, points: s.points.filter { !logY || $0.y > 0 }) }
    let all = plotted.flatMap(\.points)
    guard !all.isEmpty else { return "<p class=\"empty\">\(escape(title)): nothing to plot.</p>" }
    let (left, right, top, bottom) = (62.0, 150.0, 30.0, 46.0)  // the legend goes in the right margin
    let fy: (Double) -> Double = logY ? { log10($0) } : { $0 }
    var (x0, x1) = (all.map(\.x).min()!, all.map(\.x).max()!)
    var (y0, y1) = (all.map { fy($0.y) }.min()!, all.map { fy($0.y) }.max()!)
    if x0 == x1 { (x0, x1) = (x0 - 1, x1 + 1) }
    if y0 == y1 { (y0, y1) = (y0 - 1, y1 + 1) }
    if !logY, y0 > 0, y0 < 0.5 * y1 { y0 = 0 }  // losses and accuracies read best from 0
    let w = width - left - right, h = height - top - bottom
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * w }
    func py(_ y: Double) -> Double { top + (1 - (fy(y) - y0) / (y1 - y0)) * h }
    var svg = header(width: width, height: height, title: title)
    svg += "<text x=\"\(left)\" y=\"18\" class=\"title\">\(escape(title))</text>\n"
    // Axes, ticks and grid.
    // Whole x values (epochs) get whole ticks only.
    let wholeX = all.allSatisfy { $0.x == $0.x.rounded() }
    for tick in ticks(x0, x1, count: 6) where !wholeX || tick == tick.rounded() {
      let x = px(tick)
      svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + h))\" class=\"grid\"/>"
      svg += "<text x=\"\(f(x))\" y=\"\(f(top + h + 16))\" class=\"tick\" text-anchor=\"middle\">\(label(tick))</text>\n"
    }
    for tick in ticks(y0, y1, count: 5) {
      let y = top + (1 - (tick - y0) / (y1 - y0)) * h
      svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + w))\" y2=\"\(f(y))\" class=\"grid\"/>"
      let text = logY ? String(format: "%.2g", pow(10, tick)) : label(tick)
      svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" class=\"tick\" text-anchor=\"end\">\(text)</text>\n"
    }
    svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" class=\"frame\"/>\n"
    svg += "<text x=\"\(f(left + w / 2))\" y=\"\(f(height - 8))\" class=\"axis\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    svg += "<text transform=\"translate(14 \(f(top + h / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">"
      + "\(escape(yLabel))\(logY ? " (log scale)" : "")</text>\n"
    for s in plotted where !s.points.isEmpty {
      let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
      svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>\n"
      if s.points.count <= 60 {
        for p in s.points { svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(s.color)\"/>" }
        svg += "\n"
      }
    }
    // Legend, right of the plot.
    for (i, s) in plotted.enumerated() {
      let y = top + 14 + Double(i) * 16, x = left + w + 10
      svg += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 18))\" y2=\"\(f(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"3\"/>"
      svg += "<text x=\"\(f(x + 24))\" y=\"\(f(y))\" class=\"legend\">\(escape(s.name))</text>\n"
    }
    return svg + "</svg>"
  }

  /// A confusion matrix as a heat map: rows the true class, columns the predicted one, each cell its count,
  /// shaded by its share of the row.
  static func heatMap(title: String, matrix: [[Int]], names: [String]) -> String {
    let n = matrix.count
    let cell = max(18.0, min(48.0, 480.0 / Double(max(n, 1)))), left = 110.0, top = 64.0
    let width = max(left + cell * Double(n) + 20, 12 + 7 * Double(title.count)), height = top + cell * Double(n) + 40
    var svg = header(width: width, height: height, title: title)
    svg += "<text x=\"10\" y=\"18\" class=\"title\">\(escape(title))</text>\n"
    svg += "<text x=\"\(f(left + cell * Double(n) / 2))\" y=\"40\" class=\"axis\" text-anchor=\"middle\">predicted class</text>\n"
    svg += "<text transform=\"translate(14 \(f(top + cell * Double(n) / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">true class</text>\n"
    for (i, name) in names.enumerated() {
      svg += "<text x=\"\(f(left + cell * (Double(i) + 0.5)))\" y=\"\(f(top - 6))\" class=\"tick\" text-anchor=\"middle\">\(escape(short(name)))</text>"
      svg += "<text x=\"\(f(left - 6))\" y=\"\(f(top + cell * (Double(i) + 0.5) + 4))\" class=\"tick\" text-anchor=\"end\">\(escape(short(name)))</text>\n"
    }
    for (t, row) in matrix.enumerated() {
      let total = max(row.reduce(0, +), 1)
      for (p, count) in row.enumerated() {
        let share = Double(count) / Double(total)
        let color = t == p ? "rgba(31,119,180,\(f(0.1 + 0.9 * share)))" : "rgba(214,39,40,\(f(share == 0 ? 0 : 0.15 + 0.85 * share)))"
        let x = left + cell * Double(p), y = top + cell * Double(t)
        svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(color)\" stroke=\"#ccc\"/>"
        svg += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" class=\"cell\" text-anchor=\"middle\">\(count)</text>\n"
      }
    }
    return svg + "</svg>"
  }

  /// A histogram of `values` in `bins` equal bins, with the value axis labelled.
  static func histogram(title: String, xLabel: String, values: [Double], bins: Int = 40, color: String = palette[0]) -> String {
    guard let low = values.min(), let high = values.max() else { return "" }
    let span = high > low ? high - low : 1
    var counts = [Int](repeating: 0, count: bins)
    for v in values { counts[min(bins - 1, Int((v - low) / span * Double(bins)))] += 1 }
    let (width, height, left, top, bottom) = (360.0, 200.0, 50.0, 26.0, 40.0)
    let w = width - left - 12, h = height - top - bottom, most = Double(counts.max()!)
    var svg = header(width: width, height: height, title: title)
    svg += "<text x=\"\(f(left))\" y=\"16\" class=\"title\">\(escape(title))</text>\n"
    for (i, c) in counts.enumerated() {
      let bh = Double(c) / most * h
      svg += "<rect x=\"\(f(left + Double(i) * w / Double(bins)))\" y=\"\(f(top + h - bh))\" width=\"\(f(w / Double(bins) - 0.5))\" height=\"\(f(bh))\" fill=\"\(color)\"/>"
    }
    svg += "\n<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" class=\"frame\"/>\n"
    for tick in ticks(low, low + span, count: 4) {
      let x = left + (tick - low) / span * w
      svg += "<text x=\"\(f(x))\" y=\"\(f(top + h + 14))\" class=\"tick\" text-anchor=\"middle\">\(label(tick))</text>"
    }
    svg += "<text x=\"\(f(left - 6))\" y=\"\(f(top + 8))\" class=\"tick\" text-anchor=\"end\">\(Int(most))</text>"
    svg += "<text x=\"\(f(left + w / 2))\" y=\"\(f(height - 6))\" class=\"axis\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    return svg + "</svg>"
  }

  static func header(width: Double, height: Double, title: String) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
  }

  /// About `count` round tick values from `low` to `high` (steps of 1, 2 or 5 × 10ⁿ).
  static func ticks(_ low: Double, _ high: Double, count: Int) -> [Double] {
    let raw = (high - low) / Double(max(count, 1))
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var tick = (low / step).rounded(.up) * step, result: [Double] = []
    while tick <= high + step * 1e-9 {
      result.append(abs(tick) < step * 1e-9 ? 0 : tick)
      tick += step
    }
    return result
  }

  static func label(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e6 { return String(Int(x)) }
    return String(format: abs(x) < 1e-3 || abs(x) >= 1e5 ? "%.1e" : "%.4g", x)
  }

  static func f(_ x: Double) -> String { String(format: "%.1f", x) }

  static func short(_ name: String) -> String { name.count > 12 ? String(name.prefix(11)) + "…" : name }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
