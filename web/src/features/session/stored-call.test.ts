import { afterEach, describe, expect, it } from 'vitest';
import { clearCall, loadCall, saveCall, STORED_CALL_KEY } from './stored-call';

const call = { conversationId: '00000000-0000-4000-8000-000000000001', roomName: 'va-room-1' };

describe('the stored call', () => {
  afterEach(() => sessionStorage.clear());

  it('is kept for the tab until it is cleared', () => {
    expect(loadCall()).toBeNull();
    saveCall(call);
    expect(loadCall()).toEqual(call);
    clearCall();
    expect(loadCall()).toBeNull();
  });

  it.each(['not json', '{}', '{"conversationId": "", "roomName": "r"}', '[1]', 'null'])(
    'is ignored when it is not one this page wrote: %s',
    (raw) => {
      sessionStorage.setItem(STORED_CALL_KEY, raw);
      expect(loadCall()).toBeNull();
    },
  );
});
