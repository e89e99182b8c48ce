import type { InvitationPreview } from '@tributary/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionButton } from '@/components/action-button';
import { formatDateTime } from '@/lib/format';
import { ApiError } from '@/server/api-error';
import { membersApi } from '@/server/members-client';
import { clientIp, getViewer } from '@/server/session';
import { AcceptForm } from './accept-form';
import { acceptSignedIn } from './actions';

export const metadata: Metadata = { title: 'Invitation' };

/**
 * An invitation link (outside the signed-in console): a new user sets a name and password; a
 * signed-in user with the invited e-mail joins with one click; anyone else learns what to do.
 */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let invitation: InvitationPreview | null = null;
  let problem: string | null = null;
  try {
    invitation = await membersApi.invitations.preview(token, await clientIp());
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    problem = err.message;
  }
  const viewer = await getViewer();
  return (
    <main className="auth">
      <div className="card stack" data-testid="invitation">
        <div className="brand">
          <span className="brand-dot" aria-hidden="true" /> Tributary
        </div>
        {!invitation ? (
          <>
            <h1>This invitation cannot be used</h1>
            <p role="alert">{problem}</p>
            <Link href="/login">Sign in</Link>
          </>
        ) : (
          <>
            <h1>Join {invitation.tenantName}</h1>
            <p>
              You are invited as <strong>{invitation.role}</strong> with <strong>{invitation.email}</strong>.
              The link works until {formatDateTime(invitation.expiresAt)}.
            </p>
            {viewer ? (
              viewer.user.email === invitation.email ? (
                <ActionButton
                  action={acceptSignedIn.bind(null, token)}
                  label={`Join ${invitation.tenantName}`}
                  variant="primary"
                />
              ) : (
                <p role="alert">
                  You are signed in as {viewer.user.email}. Sign out and sign in as {invitation.email} to
                  accept.
                </p>
              )
            ) : invitation.accountExists ? (
              <p>
                An account with this e-mail exists.{' '}
                <Link href={`/login?next=${encodeURIComponent(`/invite/${token}`)}`}>Sign in to accept</Link>
              </p>
            ) : (
              <AcceptForm token={token} email={invitation.email} />
            )}
          </>
        )}
      </div>
    </main>
  );
}
