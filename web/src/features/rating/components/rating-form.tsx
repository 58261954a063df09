import { useId, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { useTranslate } from '../../../i18n';
import { saveRating, type Rating } from '../rating-api';
import { ThumbIcon } from './thumb-icon';
import './rating.css';

type Thumb = Rating['score'];

type RatingFormProps = {
  conversationId: string;
  /** The stored rating, to edit (History); none at the end of a call. */
  initial?: Rating | null;
  title?: string;
  onSaved?: (rating: Rating) => void;
};

/** Thumbs up or down and an optional comment, saved with PUT …/rating. */
export function RatingForm({ conversationId, initial = null, title, onSaved }: RatingFormProps) {
  const [score, setScore] = useState<Thumb | null>(initial?.score ?? null);
  const [comment, setComment] = useState(initial?.comment ?? '');
  const [saved, setSaved] = useState<Rating | null>(initial);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const commentId = useId();
  const { t } = useTranslate();
  const titleId = useId();
  const changed = score !== null && (saved === null || saved.score !== score || saved.comment !== comment.trim());

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (score === null) return;
    setState({ busy: true, error: null });
    saveRating(conversationId, { score, comment: comment.trim() })
      .then((rating) => {
        setSaved(rating);
        setComment(rating.comment);
        setState({ busy: false, error: null });
        onSaved?.(rating);
      })
      .catch((error: unknown) => setState({ busy: false, error: describeApiError(error) }));
  };

  return (
    <form className="rating-form" aria-labelledby={titleId} onSubmit={submit} data-testid="rating-form">
      <p id={titleId} className="rating-title">
        {title ?? t('rating.title')}
      </p>
      <div className="rating-thumbs" role="group" aria-label={t('rating.group')}>
        <ThumbButton thumb="up" chosen={score} onChoose={setScore} />
        <ThumbButton thumb="down" chosen={score} onChoose={setScore} />
      </div>
      <label htmlFor={commentId} className="rating-comment-label">
        {t('rating.comment')}
      </label>
      <textarea
        id={commentId}
        className="rating-comment"
        rows={2}
        maxLength={1000}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
      />
      <div className="rating-actions">
        <button type="submit" className="button button-primary" disabled={!changed || state.busy}>
          {saved ? t('rating.update') : t('rating.save')}
        </button>
        {saved && !changed && (
          <span role="status" className="rating-saved">
            {saved.score === 'up' ? t('rating.savedUp') : t('rating.savedDown')}
          </span>
        )}
      </div>
      {state.error && (
        <p role="alert" className="alert-text">
          {t('rating.failed', { error: state.error })}
        </p>
      )}
    </form>
  );
}

function ThumbButton({ thumb, chosen, onChoose }: { thumb: Thumb; chosen: Thumb | null; onChoose: (t: Thumb) => void }) {
  const { t } = useTranslate();
  const label = thumb === 'up' ? t('rating.thumbsUp') : t('rating.thumbsDown');
  return (
    <button
      type="button"
      className="button button-secondary rating-thumb"
      aria-pressed={chosen === thumb}
      aria-label={label}
      title={label}
      onClick={() => onChoose(thumb)}
    >
      <ThumbIcon up={thumb === 'up'} />
    </button>
  );
}
