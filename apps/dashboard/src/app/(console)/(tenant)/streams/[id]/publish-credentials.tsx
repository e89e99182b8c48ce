'use client';

import type { PublishCredential } from '@tributary/contracts';
import { ActionButton } from '@/components/action-button';
import { ActionForm, Field } from '@/components/action-form';
import { removePublishCredential, setPublishCredential } from '../actions';

/** The edges' application for encoders that sign in (their RTMP_AUTH_APP default). */
const AUTH_APP = 'live-auth';

/** rtmp://host:port/<app> → the same edge's sign-in application, with the credential's user in it. */
function signInUrl(server: string | null, username: string): string {
  const base = server === null ? 'rtmp://<edge>' : server.replace(/\/[^/]*$/, '');
  const [scheme, rest] = base.split('://');
  return `${scheme}://${username}:<password>@${rest}/${AUTH_APP}`;
}

/**
 * FMLE authentication (authmod=adobe): a username and password the encoder must sign in with on top of
 * the stream key. The password is sent once to the api and never shown again.
 */
export function PublishCredentials({
  streamId,
  server,
  credential,
}: {
  streamId: string;
  server: string | null;
  credential: PublishCredential | null;
}) {
  return (
    <div className="stack">
      {credential ? (
        <>
          <p>
            Encoders sign in as <code data-testid="publish-username">{credential.username}</code>; the stream
            key alone is refused. Server URL for OBS, FFmpeg or FMLE:
          </p>
          <p>
            <code data-testid="publish-auth-url">{signInUrl(server, credential.username)}</code>
          </p>
          <ActionButton
            action={removePublishCredential.bind(null, streamId)}
            label="Remove credentials"
            variant="danger"
            confirm="Remove the username and password? The stream key alone will publish again."
          />
        </>
      ) : (
        <p className="muted">
          Publishing needs only the stream key. Set a username and password to require FMLE-style sign-in
          (authmod=adobe) as well.
        </p>
      )}
      <ActionForm
        action={setPublishCredential.bind(null, streamId)}
        submitLabel={credential ? 'Replace credentials' : 'Require credentials'}
        resetOnSuccess
        aria-label="Publish credentials"
      >
        <Field
          name="username"
          label="Username"
          required
          minLength={3}
          maxLength={32}
          pattern="[A-Za-z0-9_.\-]{3,32}"
          defaultValue={credential?.username}
          hint="Unique across the platform: letters, digits, _ . -"
        />
        <Field
          name="password"
          label="Password"
          type="password"
          required
          minLength={8}
          maxLength={48}
          autoComplete="new-password"
          hint="8-48 of A-Z a-z 0-9 _ . ~ ! * + , ; = - (it goes in the encoder's URL). A live encoder signed in with the old one is cut."
        />
      </ActionForm>
    </div>
  );
}
