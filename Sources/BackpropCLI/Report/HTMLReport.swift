import Backprop
import Foundation

/// The training report: one self-contained HTML file (inline CSS, SVG charts, PNG images as data URLs; nothing
/// fetched, no script) with the loss and accuracy per epoch, the confusion matrix, the layers' weight and
/// gradient norms per epoch, weight histograms, and where they apply the decision boundary of a 2-feature
/// classifier or the misclassified test digits.
struct HTMLReport {
  var title: String
  /// Label–value lines at the top: the network, the optimizer, the data.
  var summary: [(String, String)]
  var epochs: [HistoryFile.Epoch]
  var network: Network<Float>
  var input: InputDescription
  /// The final evaluation shown as a confusion matrix, and on what.
  var evaluation: (title: String, value: Evaluation)?
  /// The training samples, for a 2-feature classifier's decision boundary.
  var trainingData: Dataset?
  /// The labelled images whose misclassified samples are shown (28 × 28 bytes, as MNIST).
  var evaluationData: Dataset?

  func html() throws -> String {
    var body = "<h1>\(SVG.escape(title))</h1>\n<table class=\"summary\">"
      + summary.map { "<tr><th>\(SVG.escape($0.0))</th><td>\(SVG.escape($0.1))</td></tr>" }.joined() + "</table>\n"
    body += section("Loss and accuracy per epoch", curves())
    if let evaluation, !evaluation.value.confusionMatrix.isEmpty {
      let names = evaluation.value.classNames.isEmpty
        ? evaluation.value.confusionMatrix.indices.map(String.init) : evaluation.value.classNames
      body += section(
        "Confusion matrix", SVG.heatMap(
          title: "\(evaluation.title): accuracy \(EvaluationReport.percent(evaluation.value.accuracy)) of \(evaluation.value.count)",
          matrix: evaluation.value.confusionMatrix, names: names))
    }
    body += section("Weight and gradient norms per layer", norms())
    body += section("Weights per layer", histograms())
    if let boundary = try decisionBoundary() { body += section("Decision boundary", boundary) }
    if let digits = try misclassifiedDigits() { body += section("Misclassified digits", digits) }
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(SVG.escape(title))</title>
      <style>\(Self.style)</style></head>
      <body>
      \(body)<footer>Written by backprop \(BackpropCommand.version). Every chart is SVG in this file.</footer>
      </body></html>

      """
  }

  private func section(_ heading: String, _ content: String) -> String {
    content.isEmpty ? "" : "<section><h2>\(SVG.escape(heading))</h2>\n\(content)\n</section>\n"
  }

  // MARK: Curves

  private func curves() -> String {
    func series(_ name: String, _ color: String, _ value: (HistoryFile.Epoch) -> Double?) -> SVG.Series? {
      let points = epochs.compactMap { e in value(e).map { (x: Double(e.epoch), y: $0) } }
      return points.isEmpty ? nil : SVG.Series(name: name, color: color, points: points)
    }
    let losses = [series("training", SVG.palette[0], { $0.trainLoss }), series("validation", SVG.palette[1], { $0.valLoss }),
                  series("test", SVG.palette[2], { $0.testLoss })].compactMap { $0 }
    let accuracies = [series("validation", SVG.palette[1], { $0.valAccuracy.map { 100 * $0 } }),
                      series("test", SVG.palette[2], { $0.testAccuracy.map { 100 * $0 } })].compactMap { $0 }
    var out = SVG.lineChart(title: "Cost C per epoch", xLabel: "epoch", yLabel: "cost C", series: losses)
    if !accuracies.isEmpty {
      out += SVG.lineChart(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (%)", series: accuracies)
    }
    return out
  }

  // MARK: Norms and weights

  private func norms() -> String {
    let layers = network.layers.count
    func chart(_ title: String, _ label: String, log: Bool, _ value: (HistoryFile.Epoch) -> [Double]?) -> String {
      let series = (0..<layers).map { l in
        SVG.Series(
          name: "layer \(l + 1) (\(network.layers[l].inputs)→\(network.layers[l].outputs))",
          color: SVG.palette[l % SVG.palette.count],
          points: epochs.compactMap { e in value(e).flatMap { l < $0.count ? (x: Double(e.epoch), y: $0[l]) : nil } })
      }
      guard series.contains(where: { !$0.points.isEmpty }) else { return "" }
      return SVG.lineChart(title: title, xLabel: "epoch", yLabel: label, series: series, logY: log)
    }
    let weights = chart("‖W[l]‖ per epoch", "Frobenius norm", log: false) { $0.weightNorms }
    let gradients = chart("‖∂C/∂W[l]‖ per epoch (256 training samples)", "Frobenius norm", log: true) { $0.gradientNorms }
    guard !weights.isEmpty || !gradients.isEmpty else {
      return "<p class=\"empty\">No norms recorded (histories written by train --history or --report record them).</p>"
    }
    return weights + gradients
      + "<p class=\"note\">When the gradient norms of the first layers are orders of magnitude below the last layer's, "
      + "those layers barely learn: the vanishing gradient of deep sigmoid networks.</p>"
  }

  private func histograms() -> String {
    network.layers.enumerated().map { l, layer in
      SVG.histogram(
        title: "W[\(l + 1)]: \(layer.outputs)×\(layer.inputs), \(layer.activation.rawValue)", xLabel: "weight value",
        values: layer.weights.scalars.map(Double.init), color: SVG.palette[l % SVG.palette.count])
    }.joined()
  }

  // MARK: Images

  /// For a classifier of 2 features: the predicted class over the data's range, shaded by its probability, with
  /// the training points on top.
  private func decisionBoundary() throws -> String? {
    guard let data = trainingData, data.featureCount == 2, let labels = data.labels, !data.classNames.isEmpty,
          case .floats(let values) = data.features else { return nil }
    let xs = stride(from: 0, to: values.count, by: 2).map { Double(values[$0]) }
    let ys = stride(from: 1, to: values.count, by: 2).map { Double(values[$0]) }
    let padX = max((xs.max()! - xs.min()!) * 0.1, 0.1), padY = max((ys.max()! - ys.min()!) * 0.1, 0.1)
    let (x0, x1, y0, y1) = (xs.min()! - padX, xs.max()! + padX, ys.min()! - padY, ys.max()! + padY)
    let cells = 120
    var grid: [Float] = []
    grid.reserveCapacity(cells * cells * 2)
    for row in 0..<cells {
      for column in 0..<cells {
        grid.append(Float(x0 + (Double(column) + 0.5) / Double(cells) * (x1 - x0)))
        grid.append(Float(y1 - (Double(row) + 0.5) / Double(cells) * (y1 - y0)))
      }
    }
    let points = try Dataset(
      features: .floats(grid), count: cells * cells, featureCount: 2, labels: nil, classNames: data.classNames,
      featureNames: data.featureNames, source: "grid")
    let outputs = try network.predict(input.prepare(points), standardization: input.standardization)
    let colors = SVG.palette.map(Self.rgb)
    var pixels: [UInt8] = []
    pixels.reserveCapacity(cells * cells * 3)
    for j in 0..<outputs.columns {
      let column = outputs.column(j)
      let best = column.indices.max { column[$0] < column[$1] } ?? 0
      let p = outputs.rows == 1 ? Double(abs(column[0] - 0.5) * 2) : Double(column[best])
      let color = colors[(outputs.rows == 1 ? (column[0] >= 0.5 ? 1 : 0) : best) % colors.count]
      for c in color { pixels.append(UInt8(255 - (255 - Double(c)) * (0.25 + 0.45 * p))) }
    }
    let (size, margin) = (420.0, 50.0)
    func px(_ x: Double) -> Double { margin + (x - x0) / (x1 - x0) * size }
    func py(_ y: Double) -> Double { 20 + (1 - (y - y0) / (y1 - y0)) * size }
    var svg = SVG.header(width: size + margin + 150, height: size + 70, title: "decision boundary")
    svg += "<image x=\"\(margin)\" y=\"20\" width=\"\(size)\" height=\"\(size)\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\""
      + PNG.dataURL(width: cells, height: cells, channels: 3, pixels: pixels) + "\"/>\n"
    for i in stride(from: 0, to: min(data.count, 1000), by: 1) {
      svg += "<circle cx=\"\(SVG.f(px(xs[i])))\" cy=\"\(SVG.f(py(ys[i])))\" r=\"4\" fill=\"\(SVG.palette[labels[i] % SVG.palette.count])\" stroke=\"white\" stroke-width=\"1.2\"/>"
    }
    svg += "\n<rect x=\"\(margin)\" y=\"20\" width=\"\(size)\" height=\"\(size)\" class=\"frame\"/>\n"
    for tick in SVG.ticks(x0, x1, count: 5) {
      svg += "<text x=\"\(SVG.f(px(tick)))\" y=\"\(SVG.f(size + 36))\" class=\"tick\" text-anchor=\"middle\">\(SVG.label(tick))</text>"
    }
    for tick in SVG.ticks(y0, y1, count: 5) {
      svg += "<text x=\"\(SVG.f(margin - 6))\" y=\"\(SVG.f(py(tick) + 4))\" class=\"tick\" text-anchor=\"end\">\(SVG.label(tick))</text>"
    }
    let names = data.featureNames.count == 2 ? data.featureNames : ["x1", "x2"]
    svg += "<text x=\"\(SVG.f(margin + size / 2))\" y=\"\(SVG.f(size + 58))\" class=\"axis\" text-anchor=\"middle\">\(SVG.escape(names[0]))</text>"
    svg += "<text transform=\"translate(14 \(SVG.f(20 + size / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">\(SVG.escape(names[1]))</text>\n"
    for (k, name) in data.classNames.enumerated() {
      let y = 34.0 + Double(k) * 18
      svg += "<circle cx=\"\(SVG.f(size + margin + 20))\" cy=\"\(SVG.f(y - 4))\" r=\"5\" fill=\"\(SVG.palette[k % SVG.palette.count])\"/>"
      svg += "<text x=\"\(SVG.f(size + margin + 32))\" y=\"\(SVG.f(y))\" class=\"legend\">\(SVG.escape(name))</text>\n"
    }
    return svg + "</svg><p class=\"note\">Shading: the predicted class, darker where the network is surer. Points: the training samples, coloured by their true class.</p>"
  }

  /// Up to 40 test images the network gets wrong, each with its true and predicted label.
  private func misclassifiedDigits() throws -> String? {
    guard let data = evaluationData, data.featureCount == 784, let labels = data.labels,
          case .bytes(let bytes) = data.features else { return nil }
    let outputs = try network.predict(input.prepare(data), standardization: input.standardization)
    var tiles: [String] = []
    var wrong = 0
    for j in 0..<outputs.columns {
      let column = outputs.column(j)
      let predicted = column.indices.max { column[$0] < column[$1] } ?? 0
      guard predicted != labels[j] else { continue }
      wrong += 1
      guard tiles.count < 40 else { continue }
      let image = PNG.dataURL(width: 28, height: 28, channels: 1, pixels: Array(bytes[(j * 784)..<((j + 1) * 784)]).map { 255 - $0 })
      let name = { (k: Int) in data.classNames.indices.contains(k) ? data.classNames[k] : String(k) }
      tiles.append("<figure><img src=\"\(image)\" width=\"56\" height=\"56\" alt=\"test image \(j + 1)\">"
        + "<figcaption>true \(SVG.escape(name(labels[j])))<br>predicted \(SVG.escape(name(predicted)))</figcaption></figure>")
    }
    guard wrong > 0 else { return "<p>No test image is misclassified.</p>" }
    return "<p>\(wrong) of \(outputs.columns) test images are misclassified; the first \(tiles.count):</p><div class=\"digits\">"
      + tiles.joined() + "</div>"
  }

  private static func rgb(_ hex: String) -> [Int] {
    let value = Int(hex.dropFirst(), radix: 16) ?? 0
    return [(value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF]
  }

  private static let style = """
    body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222}
    h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px}
    section{margin:18px 0}svg{margin:4px 12px 4px 0;background:#fff}
    .summary th{text-align:left;padding-right:16px;font-weight:600}.summary td{font-family:monospace}
    .title{font-size:13px;font-weight:600}.axis{font-size:12px}.tick{font-size:10px;fill:#555}.legend{font-size:11px}
    .cell{font-size:11px}.grid{stroke:#eee}.frame{fill:none;stroke:#888}.note,.empty{color:#666;font-size:13px}
    .digits{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;text-align:center;font-size:11px}
    figure img{image-rendering:pixelated;border:1px solid #ccc}footer{margin-top:30px;color:#888;font-size:12px}
    """
}
