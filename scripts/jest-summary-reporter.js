// Ends every jest run with one plain line, `N passed, N failed`, that CI and people
// can read without knowing jest's own summary format. It is written when the jest
// process exits, so it comes after jest's own summary and is the last line. Suites
// that fail to run at all (a syntax error, a missing tool) count as failures too.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    const line = `${results.numPassedTests} passed, ${failed} failed${tail}\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}
module.exports = SummaryReporter;
