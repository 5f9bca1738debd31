// The `backprop` executable: everything is in BackpropCLI, a library so that the tests and the fuzzer link it too.
import BackpropCLI

BackpropCommand.main()
