import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="auth">
      <div className="card empty">
        <h2>Not found</h2>
        <p>This page does not exist, or you do not have access to it.</p>
        <Link href="/streams">Back to live streams</Link>
      </div>
    </main>
  );
}
