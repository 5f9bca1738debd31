import Backprop
import Testing

@Suite("XOR example")
struct XORExampleTests {
  @Test("the defaults learn XOR: outputs on the right side of 0.5, small cost")
  func solves() throws {
    var reports: [(Int, Double)] = []
    let result = try XORExample.train(reportEvery: 2500) { reports.append(($0, $1)) }
    #expect(result.outcome == .solved)
    #expect(result.outputs[0] < 0.1 && result.outputs[1] > 0.9 && result.outputs[2] > 0.9 && result.outputs[3] < 0.1)
    #expect(result.loss < 1e-3)
    #expect(reports.map(\.0) == [0, 2500, 5000, 7500, 10_000])
    #expect(reports.first!.1 > 0.1)
  }

  @Test("seed 000's η = 0.1 stays on the plateau, and the outcome says so")
  func plateau() throws {
    let result = try XORExample.train(learningRate: 0.1, steps: 2000, seed: 1)
    #expect(result.outcome == .plateau)
    #expect(result.outputs.allSatisfy { abs($0 - 0.5) < 0.1 })
  }

  @Test("outcomes are told apart by the outputs")
  func outcomes() {
    #expect(XORExample.outcome(of: [0.1, 0.8, 0.7, 0.3]) == .solved)
    #expect(XORExample.outcome(of: [0.5, 0.52, 0.49, 0.5]) == .plateau)
    #expect(XORExample.outcome(of: [0.03, 0.97, 0.5, 0.5]) == .unsolved)
  }
}
