import Foundation

/// The progress bar drawn on standard error while an epoch runs, when standard error is a terminal:
/// `epoch 2/5 [=========>          ] 412/938  loss 0.2113  ETA 3s`, the loss being the epoch's running mean.
/// Redrawn at most ten times a second.
struct ProgressBar {
  let enabled: Bool
  private var last = ContinuousClock.now
  private let start = ContinuousClock.now

  init(enabled: Bool) {
    self.enabled = enabled
  }

  /// Whether standard error is a terminal.
  static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

  mutating func update(epoch: Int, of epochs: Int, done: Int, total: Int, loss: Double) {
    guard enabled else { return }
    let now = ContinuousClock.now
    guard done == total || now - last > .milliseconds(100) else { return }
    last = now
    let width = 30
    let filled = total == 0 ? width : width * done / total
    let bar = String(repeating: "=", count: max(filled - 1, 0)) + (filled > 0 ? ">" : "")
      + String(repeating: " ", count: width - filled)
    let elapsed = (now - start).seconds
    let eta = done == 0 ? 0 : elapsed * Double(total - done) / Double(done)
    let line = "epoch \(epoch)/\(epochs) [\(bar)] \(done)/\(total)  loss \(String(format: "%.4f", loss))  ETA \(Int(eta.rounded()))s"
    FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
  }

  /// Erases the bar so the next line starts clean.
  func clear() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }
}

extension Duration {
  /// The duration in seconds, as a `Double`.
  var seconds: Double {
    let (s, attoseconds) = components
    return Double(s) + Double(attoseconds) * 1e-18
  }
}
