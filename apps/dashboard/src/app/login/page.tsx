import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getViewer } from '@/server/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await getViewer()) redirect('/streams');
  const { next } = await searchParams;
  return (
    <main className="auth">
      <div className="card stack">
        <div className="brand">
          <span className="brand-dot" aria-hidden="true" /> Tributary
        </div>
        <h1>Sign in</h1>
        <LoginForm next={next ?? null} />
      </div>
    </main>
  );
}
