import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { agentMaxBytes, describeAttachment, formatBytes, MAX_BYTES_ATTRIBUTE, tooBig } from '../attachments';
import { AttachButton } from './attach-button';
import { AttachmentView } from './attachment-view';
import { ChatForm } from './chat-form';
import { translate } from '../../../i18n';

const t = translate('en');

describe('AttachButton', () => {
  it('hands each chosen file to onAttach', async () => {
    const onAttach = vi.fn();
    render(<AttachButton disabled={false} onAttach={onAttach} />);
    const notes = new File(['The office wifi password is heron-42.'], 'notes.txt', { type: 'text/plain' });
    const photo = new File([new Uint8Array([137, 80, 78, 71])], 'cat.png', { type: 'image/png' });
    await userEvent.upload(screen.getByTestId('attach-input'), [notes, photo]);
    expect(onAttach.mock.calls.map(([file]) => (file as File).name)).toEqual(['notes.txt', 'cat.png']);
  });

  it('is disabled with the form', () => {
    render(<ChatForm disabled onSend={vi.fn()} onAttach={vi.fn()} />);
    expect(screen.getByRole('button', { name: 'Attach a file' })).toBeDisabled();
  });

  it('is not there without onAttach', () => {
    render(<ChatForm disabled={false} onSend={vi.fn()} />);
    expect(screen.queryByRole('button', { name: 'Attach a file' })).toBeNull();
  });
});

describe('AttachmentView', () => {
  it('shows the name, the size and the start of a text file', async () => {
    const file = new File(['Team notes.\nThe office wifi password is heron-42.'], 'notes.txt', { type: 'text/plain' });
    const attachment = await describeAttachment(file, 'file:1');
    render(<AttachmentView attachment={{ ...attachment, after: 0 }} />);
    expect(screen.getByText('notes.txt', { exact: false })).toHaveTextContent('notes.txt (49 bytes)');
    expect(screen.getByText(/heron-42/)).toBeInTheDocument();
  });

  it('shows an image as a picture named for its file', () => {
    render(
      <AttachmentView
        attachment={{ key: 'k', name: 'cat.png', size: 2_500_000, preview: { kind: 'image', url: 'blob:x' }, after: 0 }}
      />,
    );
    expect(screen.getByRole('img', { name: 'cat.png' })).toHaveAttribute('src', 'blob:x');
    expect(screen.getByText('(2.5 MB)')).toBeInTheDocument();
  });

  it('says when a file was not sent', () => {
    render(<AttachmentView attachment={{ key: 'k', name: 'a.pdf', size: 10, preview: null, after: 0, error: 'Not sent: offline' }} />);
    expect(screen.getByRole('alert')).toHaveTextContent('Not sent: offline');
  });
});

describe('formatBytes', () => {
  it('counts bytes, then kilobytes and megabytes', () => {
    expect(formatBytes('en', 999)).toBe('999 bytes');
    expect(formatBytes('de', 999)).toBe('999 Byte');
    expect(formatBytes('de', 12_345)).toBe('12,3 KB');
    expect(formatBytes('en', 12_345)).toBe('12.3 KB');
    expect(formatBytes('en', 4_500_000)).toBe('4.5 MB');
  });
});

describe('the agent’s size limit', () => {
  const agent = (attributes: Record<string, string>) => ({ attributes });

  it('is read from the participant that publishes it', () => {
    expect(agentMaxBytes([agent({}), agent({ [MAX_BYTES_ATTRIBUTE]: '2000000' })])).toBe(2_000_000);
    expect(agentMaxBytes([agent({ [MAX_BYTES_ATTRIBUTE]: 'lots' })])).toBeNull();
    expect(agentMaxBytes([])).toBeNull();
  });

  it('refuses a larger file before it is sent, and lets others through', () => {
    expect(tooBig(t, 'en', { name: 'big.txt', size: 2_100_000 }, 2_000_000)).toBe(
      'Not sent: big.txt is larger than the assistant takes (at most 2.0 MB).',
    );
    expect(tooBig(t, 'en', { name: 'notes.txt', size: 2_000_000 }, 2_000_000)).toBeNull();
    expect(tooBig(t, 'en', { name: 'big.txt', size: 9_000_000 }, null)).toBeNull(); // no limit said: the agent decides
  });
});
