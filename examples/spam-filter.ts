/**
 * A spam filter: TF-IDF features of the real SpamAssassin emails and a logistic regression, trained with fit();
 * prints precision, recall, F1 and the confusion matrix on the held-out emails.
 *
 *   node dist/examples/spam-filter.js
 */
import { TfidfVectorizer, confusionMatrix, datasets, fit, manualSeed, models, precisionRecallF1, predict, tensor } from '../src/index.js';

manualSeed(0);
const { train, test } = datasets.spamAssassin();
const vectorizer = new TfidfVectorizer({ maxFeatures: 10000, minDf: 2 });
const xTrain = vectorizer.fitTransform(train.texts);
const xTest = vectorizer.transform(test.texts);
const yTrain = tensor(Array.from(train.labels), { dtype: 'float32' }).reshape([-1, 1]);
const yTest = tensor(Array.from(test.labels), { dtype: 'float32' }).reshape([-1, 1]);

const model = models.spamClassifier(xTrain.shape[1]);
await fit(model, [xTrain, yTrain], { epochs: 10, batchSize: 32, optimizer: 'adam', lr: 1e-2, loss: 'bceWithLogits' });

const logits = predict(model, xTest); // spam when the logit is positive
const { precision, recall, f1 } = precisionRecallF1(logits, yTest, { threshold: 0 });
const [[tn, fp], [fn, tp]] = confusionMatrix(logits, yTest, 2, { threshold: 0 });
console.log(`precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, F1 ${f1.toFixed(4)}`);
console.log(`           predicted ham  predicted spam`);
console.log(`ham        ${String(tn).padStart(13)}  ${String(fp).padStart(14)}`);
console.log(`spam       ${String(fn).padStart(13)}  ${String(tp).padStart(14)}`);
