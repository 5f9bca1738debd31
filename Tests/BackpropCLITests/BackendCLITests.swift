import Backprop
import CBackpropKernels
import Foundation
import Testing

/// `--backend` on train, evaluate and predict, and `backprop --version`, run as a user runs them. Each run is its
/// own process, so selecting OpenBLAS there changes nothing for the tests running here.
@Suite("backprop --backend and --version")
struct BackendCLITests {
  static let openBLASLoads = ComputeBackend.openblas.isAvailable

  @Test("--version: the version, the native kernels' instruction set and threads, and whether OpenBLAS is found")
  func version() throws {
    let run = try BackpropTool.run(["--version"])
    #expect(run.status == 0)
    let line = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // The CPU's own instruction set: a fresh process uses it (ComputeThreads.instructionSet here may be one that a
    // kernel test running alongside has forced).
    let detected = String(cString: bp_isa_name(bp_isa_detected()))
    #expect(line.hasPrefix("0.1.0 (native kernels: \(detected), \(ComputeThreads.available) thread"), "\(line)")
    #expect(line.contains(Self.openBLASLoads ? "; OpenBLAS: 0." : "; OpenBLAS: not found"), "\(line)")
  }

  @Test("an unknown backend, or one this machine lacks, exits 64 naming the option and what is available",
        arguments: [["train"], ["evaluate", "model.safetensors"], ["predict", "model.safetensors", "--input", "x.csv"]])
  func badBackend(command: [String]) throws {
    let available = "available here: native" + (Self.openBLASLoads ? ", openblas" : "")
    let unknown = try BackpropTool.run(command + ["--backend", "cuda"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("--backend: unknown backend 'cuda'; expected one of native, openblas, accelerate"))
    #expect(unknown.stderr.contains(available), "\(unknown.stderr)")
    #if !canImport(Darwin)
      let accelerate = try BackpropTool.run(command + ["--backend", "accelerate"])
      #expect(accelerate.status == 64)
      #expect(accelerate.stderr.contains("--backend accelerate: Accelerate exists only on Apple platforms; \(available)"))
    #endif
    if !Self.openBLASLoads {
      let openblas = try BackpropTool.run(command + ["--backend", "openblas"])
      #expect(openblas.status == 64)
      #expect(openblas.stderr.contains("--backend openblas: could not load OpenBLAS (tried "), "\(openblas.stderr)")
    }
  }

  @Test("train, evaluate and predict with --backend openblas: the summary names OpenBLAS, the model learns",
        .enabled(if: openBLASLoads))
  func openBLAS() throws {
    let scratch = try TrainCLITests.Scratch()
    let common = ["--data", scratch.file("train.csv"), "--test", scratch.file("test.csv"), "--epochs", "10", "--threads", "1"]
      + TrainCLITests.trainArguments
    let native = try BackpropTool.run(["train", "--out", scratch.file("native.safetensors")] + common)
    let blas = try BackpropTool.run(["train", "--backend", "openblas", "--out", scratch.file("blas.safetensors")] + common)
    #expect(native.status == 0 && blas.status == 0, "\(blas.stderr)")
    #expect(native.stdout.contains("; 1 thread, native (\(String(cString: bp_isa_name(bp_isa_detected()))))"), "\(native.stdout)")
    #expect(blas.stdout.contains("; 1 thread, OpenBLAS 0."), "\(blas.stdout)")

    let evaluation = try BackpropTool.run(
      ["evaluate", scratch.file("blas.safetensors"), "--data", scratch.file("test.csv"), "--json", "--backend", "openblas"])
    let nativeEvaluation = try BackpropTool.run(
      ["evaluate", scratch.file("native.safetensors"), "--data", scratch.file("test.csv"), "--json"])
    let accuracy = try #require(try evaluation.json()["accuracy"] as? Double)
    let nativeAccuracy = try #require(try nativeEvaluation.json()["accuracy"] as? Double)
    #expect(accuracy > 0.9)
    #expect(abs(accuracy - nativeAccuracy) <= 2.0 / 60, "at most two of the 60 samples apart: \(accuracy) vs \(nativeAccuracy)")

    let predict = try BackpropTool.run(
      ["predict", scratch.file("blas.safetensors"), "--input", scratch.file("test.csv"), "--backend", "openblas"])
    #expect(predict.status == 0)
    #expect(predict.stdout.split(separator: "\n").count == 61)
  }
}
