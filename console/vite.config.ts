import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is a static page: `npm run build` writes console/dist, which the twin serves at / and
// the CDK app deploys behind CloudFront. Same origin as the API in both, so no CORS.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
