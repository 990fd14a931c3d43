// Ends every jest run with one plain line, `N passed, N failed`, that CI and people
// can read without knowing jest's own summary format. Suites that fail to run at all
// (a syntax error, a missing tool) count as failures too, so they cannot hide.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${tail}\n`);
  }
}
module.exports = SummaryReporter;
