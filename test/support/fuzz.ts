import fc from 'fast-check';

// Property tests run 100 cases each in `npm test`; `npm run fuzz` runs the same properties with
// FUZZ_RUNS cases (a long suite of its own), reporting the seed of any failure to replay it.
fc.configureGlobal({ numRuns: Number(process.env['FUZZ_RUNS'] ?? 100) });
