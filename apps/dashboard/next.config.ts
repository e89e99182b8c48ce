import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Workspace packages ship compiled CommonJS in dist/; load them from node_modules at
  // run time instead of bundling them (zod and pino stay out of the server bundles' graph).
  serverExternalPackages: ['@tributary/contracts', '@tributary/sdk', '@tributary/service-kit'],
};

export default nextConfig;
