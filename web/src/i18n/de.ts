import type { Messages } from './en';

/** Deutsch. */
export const de: Messages = {
  'app.loading': 'Wird geladen…',
  'app.serverUnreachable': 'Der Server ist nicht erreichbar: {error}',
  'app.retry': 'Erneut versuchen',
  'app.title': 'Sprachassistent',
  'app.mainNav': 'Hauptmenü',
  'app.navCall': 'Anruf',
  'app.navHistory': 'Verlauf',
  'app.navAnalytics': 'Auswertung',
  'app.navExperiments': 'Experimente',
  'app.signOut': 'Abmelden',
  'app.signOutFailed': 'Abmelden fehlgeschlagen. Bitte erneut versuchen.',
  'app.notFound': 'Unter {path} gibt es nichts.',
  'app.backToCall': 'Zurück zum Anruf',

  'call.title': 'Anruf',
  'call.enableAudio': 'Ton einschalten',
  'call.saved': 'Gespeichert.',
  'call.openInHistory': 'Dieses Gespräch im Verlauf öffnen',

  'setup.loadFailed':
    'Personas und Stimmen konnten nicht geladen werden ({error}); es gelten die Voreinstellungen.',
  'setup.legend': 'Vor dem Anruf',
  'setup.persona': 'Persona',
  'setup.voice': 'Stimme',
  'setup.language': 'Sprache',
  'setup.record': 'Diesen Anruf aufzeichnen',

  'controls.connect': 'Verbinden',
  'controls.disconnect': 'Auflegen',
  'controls.mute': 'Mikrofon stummschalten',

  'status.region': 'Status des Assistenten',
  'status.voiceLevel': 'Lautstärke des Assistenten',
  'status.assistantIs': 'Der Assistent ist ',

  'banner.reconnecting': 'Verbindung verloren. Verbinde neu…',
  'banner.retry': 'Erneut versuchen',
  'banner.dismiss': 'Fehler schließen',

  'chat.form': 'Nachricht senden',
  'chat.message': 'Nachricht',
  'chat.placeholderOffline': 'Verbinden, um Nachrichten zu senden',
  'chat.placeholder': 'Nachricht eingeben…',
  'chat.send': 'Senden',
  'chat.notSent': 'Nachricht nicht gesendet.',
  'chat.notSentBecause': 'Nachricht nicht gesendet: {reason}',
  'call.recording': 'Aufnahme',

  'transcript.list': 'Protokoll',
  'transcript.you': 'Sie: ',
  'transcript.assistant': 'Assistent: ',
  'transcript.emptyConnected': 'Sagen Sie Hallo oder schreiben Sie unten eine Nachricht.',
  'transcript.emptyOffline': 'Verbinden Sie sich, um mit dem Assistenten zu sprechen.',

  'chat.attach': 'Anhängen',
  'chat.attachFile': 'Datei anhängen',

  'devices.button': 'Geräte',
  'devices.panel': 'Geräte',
  'devices.microphone': 'Mikrofon',
  'devices.camera': 'Kamera',
  'devices.speaker': 'Lautsprecher',
  'devices.noneFound': 'Keine gefunden',
  'devices.listUnavailable': 'Liste für {device} nicht verfügbar: {error}',
  'devices.switchFailed': '{device} konnte nicht gewechselt werden: {error}',

  'media.camera': 'Kamera',
  'media.shareScreen': 'Bildschirm teilen',

  'quality.connection': 'Verbindung: {quality}',
  'quality.excellent': 'sehr gut',
  'quality.good': 'gut',
  'quality.poor': 'schwach',
  'quality.lost': 'verloren',
  'quality.measuring': 'wird gemessen',

  'toasts.region': 'Benachrichtigungen',
  'toasts.dismiss': 'Benachrichtigung schließen',
  'history.title': 'Verlauf',
  'history.loadFailed': 'Ihre Gespräche konnten nicht geladen werden: {error}',
  'history.empty': 'Noch keine Gespräche.',
  'history.list': 'Gespräche',
  'history.default': 'Standard',
  'history.inProgress': 'läuft',
  'history.loadMore': 'Mehr laden',
  'history.deleteQuestion':
    'Dieses Gespräch und sein Protokoll löschen? Das kann nicht rückgängig gemacht werden.',
  'history.deleteConfirm': 'Endgültig löschen',
  'history.cancel': 'Abbrechen',

  'signIn.title': 'Anmelden',
  'signIn.username': 'Benutzername',
  'signIn.password': 'Passwort',
  'signIn.submit': 'Anmelden',
  'signIn.wrong': 'Benutzername oder Passwort ist falsch.',
};
