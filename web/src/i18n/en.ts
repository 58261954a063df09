/** The page's own text in English: the source every translation follows. `{name}` marks a
 * value filled in where the text is used. */
export const en = {
  'app.loading': 'Loading…',
  'app.serverUnreachable': 'Could not reach the server: {error}',
  'app.retry': 'Retry',
  'app.title': 'Voice Assistant',
  'app.mainNav': 'Main',
  'app.navCall': 'Call',
  'app.navHistory': 'History',
  'app.navAnalytics': 'Analytics',
  'app.navExperiments': 'Experiments',
  'app.signOut': 'Sign out',
  'app.signOutFailed': 'Sign-out failed. Try again.',
  'app.notFound': 'Nothing at {path}.',
  'app.backToCall': 'Back to the call',

  'call.title': 'Call',
  'call.enableAudio': 'Enable audio',
  'call.saved': 'Saved.',
  'call.openInHistory': 'Open this conversation in History',

  'setup.loadFailed': 'Personas and voices could not be loaded ({error}); the defaults will be used.',
  'setup.legend': 'Before you call',
  'setup.persona': 'Persona',
  'setup.voice': 'Voice',
  'setup.language': 'Language',
  'setup.record': 'Record this call',

  'controls.connect': 'Connect',
  'controls.disconnect': 'Disconnect',
  'controls.mute': 'Mute microphone',

  'status.region': 'Assistant status',
  'status.voiceLevel': 'Assistant voice level',
  'status.assistantIs': 'Assistant is ',

  'banner.reconnecting': 'Connection lost. Reconnecting…',
  'banner.retry': 'Retry',
  'banner.dismiss': 'Dismiss error',

  'chat.form': 'Send a message',
  'chat.message': 'Message',
  'chat.placeholderOffline': 'Connect to send messages',
  'chat.placeholder': 'Type a message…',
  'chat.send': 'Send',
  'chat.notSent': 'Message not sent.',
  'chat.notSentBecause': 'Message not sent: {reason}',
  'call.recording': 'Recording',

  'transcript.list': 'Transcript',
  'transcript.you': 'You: ',
  'transcript.assistant': 'Assistant: ',
  'transcript.emptyConnected': 'Say hello, or type a message below.',
  'transcript.emptyOffline': 'Connect to start talking with the assistant.',

  'chat.attach': 'Attach',
  'chat.attachFile': 'Attach a file',

  'devices.button': 'Devices',
  'devices.panel': 'Devices',
  'devices.microphone': 'Microphone',
  'devices.camera': 'Camera',
  'devices.speaker': 'Speaker',
  'devices.noneFound': 'None found',
  'devices.listUnavailable': '{device} list unavailable: {error}',
  'devices.switchFailed': 'Could not switch the {device}: {error}',

  'media.camera': 'Camera',
  'media.shareScreen': 'Share screen',

  'quality.connection': 'Connection: {quality}',
  'quality.excellent': 'excellent',
  'quality.good': 'good',
  'quality.poor': 'poor',
  'quality.lost': 'lost',
  'quality.measuring': 'measuring',

  'toasts.region': 'Notifications',
  'toasts.dismiss': 'Dismiss notification',
  'history.title': 'History',
  'history.loadFailed': 'Could not load your conversations: {error}',
  'history.empty': 'No conversations yet.',
  'history.list': 'Conversations',
  'history.default': 'default',
  'history.inProgress': 'in progress',
  'history.loadMore': 'Load more',
  'history.deleteQuestion': 'Delete this conversation and its transcript? This cannot be undone.',
  'history.deleteConfirm': 'Delete for good',
  'history.cancel': 'Cancel',

  'signIn.title': 'Sign in',
  'signIn.username': 'Username',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.wrong': 'Wrong username or password.',
} as const;

export type MessageKey = keyof typeof en;
/** A translation: every key of the English source, each with its own text. */
export type Messages = Record<MessageKey, string>;
