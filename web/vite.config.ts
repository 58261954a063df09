import react from '@vitejs/plugin-react';
import { loadEnv } from 'vite';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8000';

export default defineConfig(({ mode }) => {
  // Only read here (Node side); never referenced by client code, so it is not bundled.
  const fileEnv = loadEnv(mode, root, 'VITE_');
  const backendUrl = process.env.VITE_BACKEND_URL || fileEnv.VITE_BACKEND_URL || DEFAULT_BACKEND_URL;
  const proxy = {
    '/api': { target: backendUrl, changeOrigin: true },
  };

  return {
    root,
    plugins: [react()],
    server: { host: '127.0.0.1', port: 5173, proxy },
    preview: { host: '127.0.0.1', port: 4173, proxy },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      sourcemap: true,
      rolldownOptions: {
        output: {
          // The LiveKit SDK is most of the bundle; keep it in its own long-cached chunk.
          codeSplitting: {
            groups: [
              { name: 'livekit', test: /node_modules[\\/](livekit-client|@livekit)[\\/]/ },
              { name: 'vendor', test: /node_modules[\\/]/ },
            ],
          },
        },
      },
      // livekit-client alone is ~700 kB minified; warn only above that.
      chunkSizeWarningLimit: 800,
    },
    test: {
      environment: 'jsdom',
      setupFiles: ['./src/testing/setup-tests.ts'],
      include: ['src/**/*.test.{ts,tsx}', 'e2e/support/**/*.test.ts'],
      allowOnly: false, // a stray it.only would pass the run on one test (not only on CI)
      css: false,
      restoreMocks: true,
      unstubGlobals: true,
      unstubEnvs: true,
    },
  };
});
