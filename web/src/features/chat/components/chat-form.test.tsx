import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ChatForm } from './chat-form';

describe('ChatForm', () => {
  it('is fully disabled when not connected', () => {
    render(<ChatForm disabled onSend={vi.fn()} />);
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it('sends trimmed text on Send and Enter, then clears the input', async () => {
    const onSend = vi.fn(async () => undefined);
    render(<ChatForm disabled={false} onSend={onSend} />);
    const input = screen.getByRole('textbox', { name: 'Message' });

    await userEvent.type(input, '  what time is it?  ');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenLastCalledWith('what time is it?');
    expect(input).toHaveValue('');

    await userEvent.type(input, 'thanks{Enter}');
    expect(onSend).toHaveBeenLastCalledWith('thanks');
    expect(onSend).toHaveBeenCalledTimes(2);
  });

  it('does not send blank messages', async () => {
    const onSend = vi.fn(async () => undefined);
    render(<ChatForm disabled={false} onSend={onSend} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
  });

  it('keeps the text and shows an alert when sending fails', async () => {
    const onSend = vi.fn(async () => {
      throw new Error('not connected');
    });
    render(<ChatForm disabled={false} onSend={onSend} />);
    const input = screen.getByRole('textbox', { name: 'Message' });

    await userEvent.type(input, 'hello{Enter}');

    expect(await screen.findByRole('alert')).toHaveTextContent('Message not sent: not connected');
    expect(input).toHaveValue('hello');
  });
});
