import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { requireViewer } from '@/server/session';

/** Operator pages: proxy.ts turns members away first; this is the server-side check. */
export default async function OperatorLayout({ children }: { children: ReactNode }) {
  const viewer = await requireViewer();
  if (!viewer.user.isOperator) notFound();
  return children;
}
