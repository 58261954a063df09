/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AGENT_CONNECT_TIMEOUT_MS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
