# V8's explicit compile hint (Chrome 136+), sourced by build-pkg.sh and
# bench.sh: this comment as a module's first line has every function in it
# compiled when the module is, instead of parsed twice and compiled on the
# main thread at its first call. Nearly every function of index.js runs
# while the SDK starts, so `new Iob` no longer waits for about 90 lazy
# compilations (BENCHMARKS.md, "Eighth session"). Other engines ignore it.
COMPILE_HINT='//# allFunctionsCalledOnLoad'
