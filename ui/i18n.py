"""Every text a user sees, in Spanish and English, and the language switch.

Pages never write user-facing text themselves: they call :func:`t` with a key
from :data:`TEXTS`. Errors from the core carry a key and parameters and are
translated here too (:func:`error_text`). A test checks that every key has
both languages and that the pages use no key that is missing.
"""

from __future__ import annotations

import streamlit as st

from cnn_core.errors import PlaygroundError

# key: (Spanish, English)
TEXTS: dict[str, tuple[str, str]] = {
    # --- navigation and common
    "nav.home": ("Inicio", "Home"),
    "nav.architecture": ("Arquitectura", "Architecture"),
    "nav.train": ("Entrenar", "Train"),
    "nav.draw": ("Dibujar", "Draw"),
    "nav.inside": ("Por dentro", "Inside"),
    "nav.exercises": ("Ejercicios", "Exercises"),
    "lang.label": ("Idioma / Language", "Idioma / Language"),
    "lang.es": ("Español", "Español"),
    "lang.en": ("English", "English"),
    "share.title": ("Compartir esta red", "Share this network"),
    "share.help": ("Copia este enlace: abre el playground con esta arquitectura y este idioma.",
                   "Copy this link: it opens the playground with this architecture and language."),
    "notice.bad_link": ("El enlace tenía un valor no válido ({param}); se usan los valores por defecto.",
                        "The link had an invalid value ({param}); the defaults are used instead."),
    # --- home
    "home.title": ("🧠 CNN Playground", "🧠 CNN Playground"),
    "home.intro": (
        "Construye una red neuronal convolucional, cuenta sus neuronas y parámetros capa a capa, "
        "entrénala, mira dentro de ella y dibuja dígitos para que los clasifique.",
        "Build a convolutional neural network, count its neurons and parameters layer by layer, "
        "train it, look inside it and draw digits for it to classify."),
    "home.architecture": ("Bloques convolucionales, filtros y pooling con deslizadores; cada capa contada.",
                          "Conv blocks, filters and pooling with sliders; every layer counted."),
    "home.train": ("Entrena en MNIST, Fashion-MNIST, CIFAR-10 o tus imágenes con curvas en vivo.",
                   "Train on MNIST, Fashion-MNIST, CIFAR-10 or your own images with live curves."),
    "home.draw": ("Dibuja un dígito y mira qué ve y qué predice la red.",
                  "Draw a digit and see what the network sees and predicts."),
    "home.inside": ("Kernels, mapas de características, una convolución paso a paso, pooling y softmax.",
                    "Kernels, feature maps, one convolution step by step, pooling and softmax."),
    "home.exercises": ("Ejercicios del tutorial con corrección al instante.",
                       "The tutorial's exercises, checked instantly."),
    "home.tutorial_numbers": (
        "La red del tutorial: 28×28 = 784 neuronas de entrada → 32 filtros 3×3 → 28×28×32 = 25.088 → "
        "max-pooling 2×2 → 14×14×32 = 6.272 → … → 3×3×128 = 1.152 → densa de 100 → softmax de 10.",
        "The tutorial's network: 28×28 = 784 input neurons → 32 3×3 filters → 28×28×32 = 25,088 → "
        "2×2 max-pooling → 14×14×32 = 6,272 → … → 3×3×128 = 1,152 → dense 100 → softmax 10."),
    # --- architecture
    "arch.title": ("🧱 Arquitectura", "🧱 Architecture"),
    "arch.intro": ("Mueve los deslizadores: la tabla cuenta neuronas, parámetros y operaciones de cada capa.",
                   "Move the sliders: the table counts every layer's neurons, parameters and operations."),
    "arch.preset": ("Punto de partida", "Starting point"),
    "arch.preset_help": ("Carga una red conocida; luego cámbiala a tu gusto.",
                         "Loads a known network; then change it as you like."),
    "preset.tutorial": ("Tutorial (32-64-128)", "Tutorial (32-64-128)"),
    "preset.lenet": ("Tipo LeNet-5", "LeNet-5-like"),
    "preset.small": ("Pequeña y rápida", "Small and fast"),
    "preset.cifar": ("Para CIFAR (color 32×32)", "For CIFAR (colour 32×32)"),
    "arch.input": ("Entrada", "Input"),
    "arch.input_mnist": ("28×28×1 (gris)", "28×28×1 (grayscale)"),
    "arch.input_cifar": ("32×32×3 (color)", "32×32×3 (colour)"),
    "arch.input_custom": ("Otra", "Custom"),
    "arch.height": ("Alto", "Height"),
    "arch.width": ("Ancho", "Width"),
    "arch.channels": ("Canales", "Channels"),
    "arch.blocks": ("Bloques convolucionales", "Conv blocks"),
    "arch.blocks_help": ("Cada bloque: convolución → ReLU → pooling.", "Each block: convolution → ReLU → pooling."),
    "arch.filters": ("Filtros del bloque {block}", "Filters in block {block}"),
    "arch.kernel": ("Tamaño del kernel", "Kernel size"),
    "arch.kernel_help": ("El kernel se desliza sobre la imagen haciendo un producto escalar en cada posición.",
                         "The kernel slides over the image, taking a dot product at each position."),
    "arch.padding": ("Relleno (padding)", "Padding"),
    "arch.padding_same": ("same (mantiene el tamaño)", "same (keeps the size)"),
    "arch.padding_valid": ("valid (sin relleno)", "valid (no padding)"),
    "arch.padding_help": ("'same' rellena con ceros el borde para que el mapa conserve alto y ancho.",
                          "'same' pads the border with zeros so the map keeps its height and width."),
    "arch.pool": ("Pooling", "Pooling"),
    "arch.pool_max": ("máximo", "max"),
    "arch.pool_avg": ("media", "average"),
    "arch.pool_none": ("ninguno", "none"),
    "arch.pool_size": ("Tamaño del pooling", "Pool size"),
    "arch.pool_size_help": ("2×2 reduce a la mitad el alto y el ancho.", "2×2 halves height and width."),
    "arch.dense_layers": ("Capas densas ocultas", "Hidden dense layers"),
    "arch.units": ("Neuronas de la capa densa {layer}", "Units in dense layer {layer}"),
    "arch.classes": ("Clases (salidas softmax)", "Classes (softmax outputs)"),
    "arch.classes_help": ("10 para MNIST, 2 para perros y gatos.", "10 for MNIST, 2 for cats and dogs."),
    "arch.batch_norm": ("BatchNorm tras cada convolución", "BatchNorm after each convolution"),
    "arch.batch_norm_help": ("Normaliza cada mapa; entrena más rápido y estable.",
                             "Normalises each map; trains faster and steadier."),
    "arch.table": ("Capa a capa", "Layer by layer"),
    "arch.total_params": ("Parámetros en total", "Total parameters"),
    "arch.total_neurons": ("Neuronas (activaciones)", "Neurons (activations)"),
    "arch.total_macs": ("Multiplicaciones-sumas por imagen", "Multiply-accumulates per image"),
    "arch.diagram": ("Los volúmenes de mapas de características, bloque a bloque",
                     "The feature-map volumes, block by block"),
    "arch.hover": ("{name}: {shape} = {neurons} neuronas, {params} parámetros",
                   "{name}: {shape} = {neurons} neurons, {params} parameters"),
    "arch.compare_title": ("¿Por qué convoluciones? Pesos compartidos frente a una capa densa",
                           "Why convolutions? Shared weights against a dense layer"),
    "arch.compare_text": (
        "La primera convolución usa **{filters} kernels de {k}×{k}×{channels} = {conv_weights} pesos** "
        "({conv_params} con los sesgos) para producir {conv_neurons} neuronas. Conectar por completo las "
        "{inputs} neuronas de entrada a esas {conv_neurons} neuronas necesitaría **{dense_conv} pesos**; "
        "a las {pooled} neuronas tras el pooling, **{dense_pooled} pesos**: unas {ratio} veces más. "
        "La retropropagación solo tiene que ajustar los {conv_weights} pesos de los kernels.",
        "The first convolution uses **{filters} kernels of {k}×{k}×{channels} = {conv_weights} weights** "
        "({conv_params} with biases) to produce {conv_neurons} neurons. Fully connecting the {inputs} input "
        "neurons to those {conv_neurons} neurons would need **{dense_conv} weights**; to the {pooled} "
        "neurons after pooling, **{dense_pooled} weights**: about {ratio} times more. "
        "Backpropagation only has to adjust the kernels' {conv_weights} weights."),
    "table.layer": ("Capa", "Layer"),
    "table.shape": ("Salida (alto×ancho×canales)", "Output (H×W×C)"),
    "table.neurons": ("Neuronas", "Neurons"),
    "table.params": ("Parámetros", "Parameters"),
    "table.formula": ("Cálculo (pesos + sesgos)", "Formula (weights + biases)"),
    "table.macs": ("Mult.-sumas", "MACs"),
    "table.rf": ("Campo receptivo", "Receptive field"),
    "table.total": ("Total", "Total"),
    "layer.input": ("{name}: entrada", "{name}: input"),
    "layer.conv": ("{name}: convolución + ReLU", "{name}: convolution + ReLU"),
    "layer.pool": ("{name}: pooling", "{name}: pooling"),
    "layer.flatten": ("{name}: aplanar", "{name}: flatten"),
    "layer.dense": ("{name}: densa + ReLU", "{name}: dense + ReLU"),
    "layer.output": ("{name}: salida softmax", "{name}: softmax output"),
    # --- errors (keys shared with cnn_core.errors)
    "err.kernel_too_big": (
        "Bloque {block}: el mapa de {size}×{size} es más pequeño que el kernel de {kernel}×{kernel} con "
        "relleno 'valid'; usa relleno 'same', un kernel menor o menos bloques.",
        "Block {block}: the {size}×{size} map is smaller than the {kernel}×{kernel} kernel with 'valid' "
        "padding; use 'same' padding, a smaller kernel or fewer blocks."),
    "err.pool_too_big": (
        "Bloque {block}: el mapa de {size}×{size} es más pequeño que el pooling de {pool}×{pool}; "
        "quita un bloque o usa un pooling menor.",
        "Block {block}: the {size}×{size} map is smaller than the {pool}×{pool} pool; "
        "remove a block or use a smaller pool."),
    "err.even_kernel_same": (
        "Un kernel de {kernel}×{kernel} no tiene centro, así que el relleno 'same' no puede mantener el "
        "tamaño; usa un kernel impar (1, 3, 5, 7) o relleno 'valid'.",
        "A {kernel}×{kernel} kernel has no centre, so 'same' padding cannot keep the size; use an odd "
        "kernel (1, 3, 5, 7) or 'valid' padding."),
    "err.out_of_range": ("{field} debe estar entre {low} y {high} (es {value}).",
                         "{field} must be between {low} and {high} (got {value})."),
    "err.bad_choice": ("{field} debe ser uno de: {choices} (es {value}).",
                       "{field} must be one of {choices} (got {value})."),
    "err.too_big": (
        "Esta red necesita unos {need_mb} MB para entrenar con lotes de {batch_size}, más que el límite de "
        "{limit_mb} MB; usa menos filtros, más pooling o lotes más pequeños.",
        "This network needs about {need_mb} MB to train with batch size {batch_size}, more than the "
        "{limit_mb} MB limit; use fewer filters, more pooling or a smaller batch."),
    "err.bad_input_shape": ("La entrada debe tener la forma 28x28x1 (alto x ancho x canales), no {value}.",
                            "Input must look like 28x28x1 (height x width x channels), got {value}."),
    "err.bad_int_list": ("{field} deben ser números enteros separados por comas, no {value}.",
                         "{field} must be whole numbers separated by commas, got {value}."),
    "err.data_missing": (
        "No se encontraron los archivos de {dataset} en {data_dir} y no se pudieron descargar ({reason}). "
        "Sin internet: copia los archivos ahí (ver README, «Datos sin conexión») o arranca con "
        "`streamlit run app.py -- --data-dir CARPETA`.",
        "The {dataset} files were not found in {data_dir} and could not be downloaded ({reason}). "
        "Offline: copy the files there (see README, 'Offline data') or start with "
        "`streamlit run app.py -- --data-dir FOLDER`."),
    "err.zip_not_zip": ("El archivo subido no es un zip válido. Nada ha cambiado.",
                        "The upload is not a valid zip file. Nothing was changed."),
    "err.zip_unsafe_path": ("El zip contiene una ruta insegura ({path}); no se ha usado nada de él.",
                            "The zip contains an unsafe path ({path}); nothing from it was used."),
    "err.zip_too_big": ("El zip ocuparía {size_mb} MB descomprimido, más que el límite de {limit_mb} MB; "
                        "sube menos imágenes o más pequeñas.",
                        "The zip would expand to {size_mb} MB, more than the {limit_mb} MB limit; "
                        "upload fewer or smaller images."),
    "err.zip_too_many_files": ("El zip tiene {count} archivos, más que el límite de {limit}.",
                               "The zip holds {count} files, more than the limit of {limit}."),
    "err.zip_no_images": ("El zip no tiene imágenes en carpetas de clase (se espera clase/imagen.png).",
                          "The zip holds no images in class folders (expected class_name/image.png)."),
    "err.zip_one_class": ("Solo hay una clase ({classes}); pon las imágenes de cada clase en su propia "
                          "carpeta, al menos dos carpetas.",
                          "Found only one class ({classes}); put each class's images in its own folder, "
                          "at least two folders."),
    "err.zip_too_many_classes": ("Hay {count} clases, más que el límite de {limit}.",
                                 "Found {count} classes, more than the limit of {limit}."),
    "err.model_corrupt": ("Este archivo no es un modelo de CNN Playground (o está dañado): {reason}. "
                          "Tu modelo actual no ha cambiado.",
                          "This file is not a CNN Playground model (or it is damaged): {reason}. "
                          "Your current model is unchanged."),
    "err.model_too_big": ("El modelo ocupa {size_mb} MB, más que el límite de {limit_mb} MB.",
                          "The model file is {size_mb} MB, more than the {limit_mb} MB limit."),
    "err.loss_nan": (
        "La pérdida se volvió NaN (no es un número) en el paso {step}: la tasa de aprendizaje {lr} es "
        "demasiado alta para esta red. Se conserva el último modelo válido; prueba una tasa 10 veces menor.",
        "The loss became NaN (not a number) at step {step}: the learning rate {lr} is too high for this "
        "network. The last good model is kept; try a learning rate 10 times smaller."),
    "err.no_bf16": ("La precisión mixta bf16 no está disponible en este dispositivo ({device}); elige fp32 o "
                    "automática.",
                    "bf16 mixed precision is not available on this device ({device}); choose fp32 or automatic."),
    "err.internal": ("Algo falló dentro del playground ({reason}); inténtalo de nuevo.",
                     "Something went wrong inside the playground ({reason}); please try again."),
    "err.upload_too_big": ("El archivo ocupa {size_mb} MB, más que el límite de {limit_mb} MB.",
                           "The file is {size_mb} MB, more than the {limit_mb} MB limit."),
    "note.skipped_files": ("Se omitieron {count} archivos que no son imágenes legibles dentro de carpetas de clase.",
                           "Skipped {count} files that are not readable images in class folders."),
    "note.images_loaded": ("{train} imágenes de entrenamiento y {test} de prueba en {classes} clases, a {size}×{size}.",
                           "{train} training and {test} test images in {classes} classes, resized to {size}×{size}."),
    # --- train
    "train.title": ("🏋️ Entrenar", "🏋️ Train"),
    "train.intro": ("Elige datos y ajustes, pulsa Entrenar y mira cómo baja la pérdida.",
                    "Pick data and settings, press Train and watch the loss fall."),
    "train.dataset": ("Datos", "Dataset"),
    "dataset.mnist": ("MNIST (dígitos)", "MNIST (digits)"),
    "dataset.fashion-mnist": ("Fashion-MNIST (ropa)", "Fashion-MNIST (clothes)"),
    "dataset.cifar10": ("CIFAR-10 (fotos en color)", "CIFAR-10 (colour photos)"),
    "dataset.upload": ("Tus imágenes (zip)", "Your images (zip)"),
    "train.upload_help": ("Un zip con una carpeta por clase, p. ej. gatos/1.jpg, perros/1.jpg.",
                          "A zip with one folder per class, e.g. cats/1.jpg, dogs/1.jpg."),
    "train.image_size": ("Tamaño al que se reducen las imágenes", "Size images are resized to"),
    "train.upload": ("Zip de imágenes", "Image zip"),
    "train.load_zip": ("Cargar imágenes", "Load images"),
    "train.no_upload": ("Sube un zip y pulsa «Cargar imágenes».", "Upload a zip and press 'Load images'."),
    "train.loading": ("Cargando {dataset}…", "Loading {dataset}…"),
    "train.decoding": ("Leyendo las imágenes…", "Reading the images…"),
    "train.adapted": ("La arquitectura se adaptó a los datos: entrada {old_in} → {new_in}, clases "
                      "{old_classes} → {new_classes}.",
                      "The architecture was adapted to the data: input {old_in} → {new_in}, classes "
                      "{old_classes} → {new_classes}."),
    "train.network": ("Red de la página Arquitectura: filtros {filters}, {params} parámetros · entrena en {device}.",
                      "Network from the Architecture page: filters {filters}, {params} parameters · trains on {device}."),
    "train.length": ("Duración", "Length"),
    "train.mode_epochs": ("épocas", "epochs"),
    "train.mode_time": ("segundos", "seconds"),
    "train.epochs": ("Épocas (pasadas por los datos)", "Epochs (passes over the data)"),
    "train.seconds": ("Segundos de entrenamiento", "Seconds of training"),
    "train.batch_size": ("Tamaño del lote", "Batch size"),
    "train.lr": ("Tasa de aprendizaje", "Learning rate"),
    "train.lr_help": ("Demasiado alta y la pérdida explota (NaN); demasiado baja y aprende despacio.",
                      "Too high and the loss explodes (NaN); too low and it learns slowly."),
    "train.optimizer": ("Optimizador", "Optimizer"),
    "train.opt_adam": ("Adam", "Adam"),
    "train.opt_sgd": ("SGD con momento", "SGD with momentum"),
    "train.augment": ("Aumento de datos", "Data augmentation"),
    "train.augment_help": ("Desplaza (y en fotos, refleja) las imágenes al azar para generalizar mejor.",
                           "Randomly shifts (and for photos, mirrors) images to generalise better."),
    "train.precision": ("Precisión de los cálculos", "Arithmetic precision"),
    "train.precision_auto": ("automática", "automatic"),
    "train.precision_fp32": ("fp32", "fp32"),
    "train.precision_bf16": ("bf16 mixta", "bf16 mixed"),
    "train.precision_help": (
        "fp32: cada multiplicación con números de 32 bits. bf16 mixta: las convoluciones y las capas densas "
        "multiplican con 16 bits (bfloat16) y suman con 32; los pesos, la pérdida y la evaluación siguen en "
        "fp32. Con la misma exactitud, va más rápido en procesadores con instrucciones bf16 y más lento en "
        "los demás. La automática elige por ti.",
        "fp32: every multiplication with 32-bit numbers. bf16 mixed: convolutions and dense layers multiply "
        "16-bit numbers (bfloat16) and add in 32 bits; weights, loss and evaluation stay fp32. With the same "
        "accuracy, it is faster on processors with bf16 instructions and slower on others. Automatic "
        "chooses for you."),
    "train.precision_auto_bf16": ("Automática aquí: bf16 mixta (este procesador multiplica bf16).",
                                  "Automatic here: bf16 mixed (this processor multiplies bf16)."),
    "train.precision_auto_fp32": ("Automática aquí: fp32 (este equipo no multiplica bf16 más rápido).",
                                  "Automatic here: fp32 (this machine does not multiply bf16 faster)."),
    "train.precision_used": ("Entrenado en {precision} en {device}.", "Trained in {precision} on {device}."),
    "train.start": ("Entrenar", "Train"),
    "train.stop": ("Parar", "Stop"),
    "train.queued": ("En cola: posición {position}. Empezará cuando termine otro entrenamiento.",
                     "Queued: position {position}. It starts when another training ends."),
    "train.starting": ("Empezando…", "Starting…"),
    "train.progress": ("{percent} · {ips} imágenes/s · quedan {eta} s", "{percent} · {ips} images/s · {eta} s left"),
    "train.stopped": ("Entrenamiento parado tras {steps} pasos; el modelo entrenado hasta ahí se conserva.",
                      "Training stopped after {steps} steps; the model trained so far is kept."),
    "train.stopped_in_queue": ("Entrenamiento cancelado antes de empezar: estaba en la cola.",
                               "Training cancelled before it started: it was still in the queue."),
    "train.test_accuracy": ("Exactitud en test", "Test accuracy"),
    "train.seconds_taken": ("Tiempo de entrenamiento", "Training time"),
    "train.speed": ("Velocidad", "Speed"),
    "train.confusion": ("Matriz de confusión", "Confusion matrix"),
    "train.predicted": ("Predicha", "Predicted"),
    "train.true": ("Real", "True"),
    "train.per_class": ("Exactitud por clase", "Per-class accuracy"),
    "train.class": ("Clase", "Class"),
    "train.accuracy": ("Exactitud", "Accuracy"),
    "train.mistakes": ("Errores", "Mistakes"),
    "train.mistake_caption": ("real {true} → {pred}", "true {true} → {pred}"),
    "train.no_mistakes": ("¡Ningún error en test!", "No mistakes on the test set!"),
    "train.model_files": ("Guardar o cargar un modelo", "Save or load a model"),
    "train.download": ("Descargar el modelo", "Download the model"),
    "train.upload_model": ("Subir un modelo (.cnn.zip)", "Upload a model (.cnn.zip)"),
    "train.load_model": ("Usar este modelo", "Use this model"),
    "train.model_loaded": ("Modelo cargado (filtros {arch}).", "Model loaded (filters {arch})."),
    "curve.loss": ("Pérdida", "Loss"),
    "curve.accuracy": ("Exactitud", "Accuracy"),
    "curve.train": ("entrenamiento (suavizada)", "training (smoothed)"),
    "curve.validation": ("validación", "validation"),
    "curve.step": ("paso", "step"),
    # --- draw
    "draw.title": ("✏️ Dibujar", "✏️ Draw"),
    "draw.intro": ("Dibuja un dígito del 0 al 9 y suelta el ratón.", "Draw a digit from 0 to 9 and lift the pen."),
    "draw.model_trained": ("Modelo: el que entrenaste en esta sesión (exactitud en test {accuracy}).",
                           "Model: the one you trained in this session (test accuracy {accuracy})."),
    "draw.model_shipped": ("Modelo: el preentrenado que viene con la app (exactitud en test {accuracy}).",
                           "Model: the pretrained one shipped with the app (test accuracy {accuracy})."),
    "draw.dark_ink": ("Tinta negra sobre blanco", "Black ink on white"),
    "draw.canvas_help": ("Usa los botones del lienzo para deshacer o borrar.",
                         "Use the canvas buttons to undo or clear."),
    "draw.empty": ("El lienzo está vacío: dibuja un dígito para ver la predicción.",
                   "The canvas is empty: draw a digit to see the prediction."),
    "draw.confidence": ("con una probabilidad de {confidence}", "with probability {confidence}"),
    "draw.probabilities": ("Probabilidades (softmax)", "Probabilities (softmax)"),
    "draw.seen": ("Lo que recibe la red", "What the network receives"),
    "draw.seen_caption": ("28×28 = 784 neuronas, centrado por centro de masa, valor/255",
                          "28×28 = 784 neurons, centred by centre of mass, value/255"),
    "draw.maps": ("Mapas de características de tu dibujo", "Feature maps of your drawing"),
    "draw.block_maps": ("Bloque {block}: {count} mapas filtrados (convolución + ReLU), {shape}",
                        "Block {block}: {count} filtered maps (convolution + ReLU), {shape}"),
    # --- inside
    "inside.title": ("🔬 Por dentro", "🔬 Inside"),
    "inside.intro": ("Una imagen atraviesa la red etapa por etapa, con las cuentas a la vista.",
                     "One image goes through the network stage by stage, with the arithmetic shown."),
    "inside.source": ("Imagen", "Image"),
    "inside.source_test": ("del conjunto de test", "from the test set"),
    "inside.source_drawing": ("tu dibujo", "your drawing"),
    "inside.index": ("Número de imagen de test", "Test image number"),
    "inside.random": ("Al azar", "Random"),
    "inside.no_images": ("No hay imágenes de test con la forma de este modelo; dibuja un dígito o entrena uno.",
                         "No test images match this model's input; draw a digit or train a model."),
    "inside.input_title": ("1. Píxeles = neuronas de entrada", "1. Pixels are input neurons"),
    "inside.input_text": ("{h}×{w}×{c} = **{neurons} neuronas de entrada**, una por valor de píxel.",
                          "{h}×{w}×{c} = **{neurons} input neurons**, one per pixel value."),
    "inside.image": ("Imagen", "Image"),
    "inside.normalise": ("Un trozo de 6×6 desde la fila {r0}, columna {c0}: valor → valor/255.",
                         "A 6×6 patch from row {r0}, column {c0}: value → value/255."),
    "inside.kernels_title": ("2. Kernels aprendidos", "2. Learned kernels"),
    "inside.kernels_block": ("Bloque {block}: {shown} de {total} kernels de {k}×{k} (canal 1 de {in_c})",
                             "Block {block}: {shown} of {total} {k}×{k} kernels (channel 1 of {in_c})"),
    "inside.maps_title": ("3. Mapas de características", "3. Feature maps"),
    "inside.block": ("Bloque {block}", "Block {block}"),
    "inside.stage_conv": ("Tras la convolución: {shape} = {neurons} neuronas",
                          "After convolution: {shape} = {neurons} neurons"),
    "inside.stage_relu": ("Tras ReLU, f(x) = max(0, x): {shape} = {neurons} neuronas",
                          "After ReLU, f(x) = max(0, x): {shape} = {neurons} neurons"),
    "inside.stage_pool": ("Tras el pooling: {shape} = {neurons} neuronas", "After pooling: {shape} = {neurons} neurons"),
    "inside.conv_title": ("4. Una convolución paso a paso", "4. One convolution step by step"),
    "inside.filter": ("Kernel de la primera capa", "First-layer kernel"),
    "inside.position": ("Posición del kernel", "Kernel position"),
    "inside.next": ("Siguiente ▶", "Next ▶"),
    "inside.patch": ("Píxeles bajo el kernel", "Pixels under the kernel"),
    "inside.kernel": ("Kernel", "Kernel"),
    "inside.output_filling": ("Mapa de salida (se va llenando)", "Output map (filling in)"),
    "inside.more_terms": (" + … ({n} términos más)", " + … ({n} more terms)"),
    "inside.dot_product": (
        "Posición (fila {row}, columna {col}): {terms}{more} + sesgo {bias} = **{value}** "
        "(torch.nn.functional.conv2d da {torch_value})",
        "Position (row {row}, column {col}): {terms}{more} + bias {bias} = **{value}** "
        "(torch.nn.functional.conv2d gives {torch_value})"),
    "inside.pool_title": ("5. Pooling", "5. Pooling"),
    "inside.no_pool": ("Esta red no usa pooling.", "This network uses no pooling."),
    "inside.pool_position": ("Ventana de pooling", "Pooling window"),
    "inside.window": ("Ventana", "Window"),
    "inside.pool_result_max": ("Se queda el máximo, **{value}**. Ventanas de {size}×{size}: {before} → {after}.",
                               "The maximum is kept, **{value}**. {size}×{size} windows: {before} → {after}."),
    "inside.pool_result_avg": ("Se queda la media, **{value}**. Ventanas de {size}×{size}: {before} → {after}.",
                               "The average is kept, **{value}**. {size}×{size} windows: {before} → {after}."),
    "inside.output_title": ("6. Aplanar, capa densa y softmax", "6. Flatten, dense layer and softmax"),
    "inside.flatten": ("Aplanar: el último volumen se convierte en un vector de {n} neuronas.",
                       "Flatten: the last volume becomes a vector of {n} neurons."),
    "inside.dense": ("Capa densa {layer}: {units} neuronas, {active} activas (> 0 tras ReLU).",
                     "Dense layer {layer}: {units} neurons, {active} active (> 0 after ReLU)."),
    "inside.softmax": ("Softmax convierte las puntuaciones en probabilidades: $p_i = e^{{s_i}} / \\sum_j e^{{s_j}}$. "
                       "El objetivo de entrenamiento es el vector one-hot de la clase real.",
                       "Softmax turns the scores into probabilities: $p_i = e^{{s_i}} / \\sum_j e^{{s_j}}$. "
                       "The training target is the one-hot vector of the true class."),
    "inside.class": ("Clase", "Class"),
    "inside.score": ("Puntuación", "Score"),
    "inside.probability": ("Probabilidad", "Probability"),
    "inside.one_hot": ("One-hot", "One-hot"),
    "inside.lab_title": ("7. Laboratorio de kernels", "7. Kernel lab"),
    "inside.lab_preset": ("Kernel", "Kernel"),
    "inside.lab_bad": ("Escribe solo números en el kernel.", "Type only numbers in the kernel."),
    "inside.lab_out": ("Resultado de la convolución", "Convolution output"),
    "inside.lab_relu": ("Tras ReLU", "After ReLU"),
    "kernel.identity": ("identidad", "identity"),
    "kernel.edge_vertical": ("bordes verticales (Sobel)", "vertical edges (Sobel)"),
    "kernel.edge_horizontal": ("bordes horizontales (Sobel)", "horizontal edges (Sobel)"),
    "kernel.outline": ("contorno", "outline"),
    "kernel.blur": ("desenfoque", "blur"),
    "kernel.sharpen": ("enfoque", "sharpen"),
    # --- exercises
    "ex.title": ("🎓 Ejercicios", "🎓 Exercises"),
    "ex.intro": ("Las preguntas del tutorial. Escribe tu respuesta y pulsa Comprobar.",
                 "The tutorial's questions. Type your answer and press Check."),
    "ex.instructor": ("Modo instructor (ver respuestas)", "Instructor mode (show answers)"),
    "ex.variation": ("Variante (0 = números del tutorial)", "Variation (0 = the tutorial's numbers)"),
    "ex.variation_help": ("Otras variantes cambian tamaños y filtros; las respuestas se calculan solas.",
                          "Other variations change sizes and filters; answers are computed for them."),
    "ex.progress": ("{done} de {total} resueltos", "{done} of {total} solved"),
    "ex.reset": ("Reiniciar el progreso", "Reset progress"),
    "ex.download": ("Descargar la hoja de ejercicios (Markdown)", "Download the worksheet (Markdown)"),
    "ex.worksheet_title": ("CNN Playground: hoja de ejercicios", "CNN Playground: worksheet"),
    "ex.check": ("Comprobar", "Check"),
    "ex.right": ("¡Correcto!", "Correct!"),
    "ex.wrong": ("Todavía no. Revisa la cuenta o mira la pista.", "Not yet. Check the arithmetic or see the hint."),
    "ex.not_yet": ("Aún no está hecho en la app; mira la pista.", "Not done in the app yet; see the hint."),
    "ex.hint": ("Pista", "Hint"),
    "ex.answer": ("Respuesta: {answer}", "Answer: {answer}"),
    "ex.task_answer": ("se comprueba en la app", "checked in the app"),
    "ex.input_gray.title": ("Neuronas de entrada en gris", "Input neurons, grayscale"),
    "ex.input_gray.text": ("Una imagen en escala de grises de {h}×{w} píxeles. ¿Cuántas neuronas de entrada tiene la red?",
                           "A {h}×{w} grayscale image. How many input neurons does the network have?"),
    "ex.input_gray.hint": ("Una neurona por píxel: alto × ancho.", "One neuron per pixel: height × width."),
    "ex.input_gray.a0": ("Neuronas", "Neurons"),
    "ex.input_colour.title": ("Neuronas de entrada en color", "Input neurons, colour"),
    "ex.input_colour.text": ("Una imagen en color (RGB) de {h}×{w}. ¿Cuántas neuronas de entrada?",
                             "A {h}×{w} colour (RGB) image. How many input neurons?"),
    "ex.input_colour.hint": ("Cada píxel tiene 3 valores (rojo, verde, azul): alto × ancho × 3.",
                             "Each pixel has 3 values (red, green, blue): height × width × 3."),
    "ex.input_colour.a0": ("Neuronas", "Neurons"),
    "ex.normalise.title": ("Normalizar un píxel", "Normalise a pixel"),
    "ex.normalise.text": ("Un píxel vale {value} (de 0 a 255). ¿Qué valor recibe la red tras normalizar?",
                          "A pixel is {value} (0 to 255). What value does the network get after normalising?"),
    "ex.normalise.hint": ("Divide entre 255, con dos o tres decimales.", "Divide by 255, to two or three decimals."),
    "ex.normalise.a0": ("Valor normalizado", "Normalised value"),
    "ex.conv_neurons.title": ("Neuronas tras la primera convolución", "Neurons after the first convolution"),
    "ex.conv_neurons.text": ("Entrada de {h}×{w}×1, {filters} kernels de 3×3 con relleno 'same'. "
                             "¿Cuántas neuronas salen?",
                             "A {h}×{w}×1 input, {filters} 3×3 kernels with 'same' padding. How many neurons come out?"),
    "ex.conv_neurons.hint": ("Cada kernel da un mapa del mismo tamaño: alto × ancho × filtros.",
                             "Each kernel makes one map of the same size: height × width × filters."),
    "ex.conv_neurons.a0": ("Neuronas", "Neurons"),
    "ex.conv_params.title": ("Parámetros de esa capa", "Parameters of that layer"),
    "ex.conv_params.text": ("¿Cuántos pesos tienen los {filters} kernels de 3×3 sobre una entrada de 1 canal, "
                            "y cuántos parámetros contando un sesgo por kernel?",
                            "How many weights do the {filters} 3×3 kernels over a 1-channel input have, "
                            "and how many parameters counting one bias per kernel?"),
    "ex.conv_params.hint": ("3 × 3 × canales × filtros; luego suma un sesgo por filtro.",
                            "3 × 3 × channels × filters; then add one bias per filter."),
    "ex.conv_params.a0": ("Pesos (sin sesgos)", "Weights (no biases)"),
    "ex.conv_params.a1": ("Parámetros (con sesgos)", "Parameters (with biases)"),
    "ex.dense_compare.title": ("Frente a una capa totalmente conectada", "Against a fully connected layer"),
    "ex.dense_compare.text": ("Si conectáramos las {inputs} neuronas de entrada a las {pooled} neuronas "
                              "({h}×{w}×{filters}) con una capa densa, ¿cuántos pesos harían falta?",
                              "If we connected the {inputs} input neurons to the {pooled} neurons "
                              "({h}×{w}×{filters}) with a dense layer, how many weights would it need?"),
    "ex.dense_compare.hint": ("Cada entrada con cada salida: entradas × salidas.",
                              "Every input to every output: inputs × outputs."),
    "ex.dense_compare.a0": ("Pesos", "Weights"),
    "ex.pool_neurons.title": ("Neuronas tras max-pooling 2×2", "Neurons after 2×2 max-pooling"),
    "ex.pool_neurons.text": ("Los {filters} mapas de {h}×{w} pasan por un max-pooling de 2×2. ¿Cuántas neuronas quedan?",
                             "The {filters} maps of {h}×{w} go through 2×2 max-pooling. How many neurons remain?"),
    "ex.pool_neurons.hint": ("El pooling 2×2 divide alto y ancho entre 2; los filtros no cambian.",
                             "2×2 pooling halves height and width; the filters stay."),
    "ex.pool_neurons.a0": ("Neuronas", "Neurons"),
    "ex.build_tutorial.title": ("Construye la red del tutorial", "Build the tutorial's network"),
    "ex.build_tutorial.text": ("En la página Arquitectura, con entrada 28×28×1, añade bloques y filtros hasta que "
                               "el último mapa sea {target[0]}×{target[1]}×{target[2]}. Luego pulsa Comprobar.",
                               "On the Architecture page, with a 28×28×1 input, add blocks and filters until the "
                               "last map is {target[0]}×{target[1]}×{target[2]}. Then press Check."),
    "ex.build_tutorial.hint": ("Tres bloques de 32, 64 y 128 filtros con max-pooling 2×2: 28 → 14 → 7 → 3.",
                               "Three blocks of 32, 64 and 128 filters with 2×2 max-pooling: 28 → 14 → 7 → 3."),
    "ex.output_size.title": ("Neuronas de salida", "Output neurons"),
    "ex.output_size.text": ("¿Cuántas neuronas softmax necesita la salida para {a} clases, para {b} y para {c}?",
                            "How many softmax neurons does the output need for {a} classes, for {b} and for {c}?"),
    "ex.output_size.hint": ("Una neurona por clase.", "One neuron per class."),
    "ex.output_size.a0": ("Primer caso", "First case"),
    "ex.output_size.a1": ("Segundo caso", "Second case"),
    "ex.output_size.a2": ("Tercer caso", "Third case"),
    "ex.one_hot.title": ("Vector one-hot", "One-hot vector"),
    "ex.one_hot.text": ("Con {classes} clases, escribe el vector one-hot de la clase número {label_human} "
                        "(separa con comas).",
                        "With {classes} classes, write the one-hot vector of class number {label_human} "
                        "(comma separated)."),
    "ex.one_hot.hint": ("Todo ceros salvo un 1 en la posición de la clase.", "All zeros except a 1 at the class's position."),
    "ex.one_hot.a0": ("Vector", "Vector"),
    "ex.softmax.title": ("Calcula un softmax", "Compute a softmax"),
    "ex.softmax.text": ("La red da las puntuaciones {scores}. ¿Qué probabilidad da softmax a la primera clase?",
                        "The network outputs the scores {scores}. What probability does softmax give the first class?"),
    "ex.softmax.hint": ("p₁ = e^s₁ / (e^s₁ + e^s₂ + e^s₃).", "p₁ = e^s₁ / (e^s₁ + e^s₂ + e^s₃)."),
    "ex.softmax.a0": ("Probabilidad", "Probability"),
    "ex.train_target.title": ("Entrena hasta una exactitud", "Train to a target accuracy"),
    "ex.train_target.text": ("En la página Entrenar, consigue al menos un {target} % de exactitud en test. "
                             "Luego pulsa Comprobar.",
                             "On the Train page, reach at least {target}% test accuracy. Then press Check."),
    "ex.train_target.hint": ("Con la red del tutorial en MNIST, 2 o 3 épocas bastan.",
                             "With the tutorial network on MNIST, 2 or 3 epochs are enough."),
    "ex.draw_mistake.title": ("Engaña a la red", "Fool the network"),
    "ex.draw_mistake.text": ("En la página Dibujar, dibuja un dígito que la red clasifique mal y márcalo "
                             "con «Se equivocó». Luego pulsa Comprobar.",
                             "On the Draw page, draw a digit the network gets wrong and report it with "
                             "'It was wrong'. Then press Check."),
    "ex.draw_mistake.hint": ("Prueba dígitos muy inclinados, finos o muy pequeños.",
                             "Try very slanted, thin or tiny digits."),
    "draw.report_title": ("¿Se equivocó?", "Was it wrong?"),
    "draw.report_drawn": ("Yo dibujé", "I drew"),
    "draw.report": ("Se equivocó", "It was wrong"),
    "draw.reported": ("Anotado: dibujaste {drawn} y la red dijo {predicted}.",
                      "Noted: you drew {drawn} and the network said {predicted}."),
    "draw.report_same": ("La red dijo {predicted}, lo mismo que dibujaste: ¡acertó!",
                         "The network said {predicted}, which is what you drew: it was right!"),
}

LANG_INDEX = {"es": 0, "en": 1}


def lang() -> str:
    return st.session_state.get("lang", "es")


def t(key: str, **params) -> str:
    """The text for ``key`` in the session's language, with ``params`` filled in."""
    return TEXTS[key][LANG_INDEX[lang()]].format(**params)


def labeller(prefix: str):
    """A widget's format_func showing ``t(prefix + option)``, fixed to the language of this run."""
    index = LANG_INDEX[lang()]
    return lambda option: TEXTS[f"{prefix}{option}"][index]


def error_text(err: PlaygroundError) -> str:
    return t(err.key, **err.params)


def _set_lang() -> None:
    st.session_state["lang"] = st.session_state["w_lang"]


def page_header(title_key: str, intro_key: str, share: bool = True) -> None:
    """Language switch in the sidebar, any pending notices, then the page's title and intro.

    ``share=False`` leaves the share box to the page, for a page that changes
    the architecture during its run and must show the link after that.
    """
    from ui import state

    st.session_state["w_lang"] = st.session_state["lang"]
    st.sidebar.radio(t("lang.label"), ("es", "en"), key="w_lang", on_change=_set_lang,
                     format_func=labeller("lang."), horizontal=True)
    for key, params in state.pop_notices():
        st.warning(t(key, **params))
    st.title(t(title_key))
    st.caption(t(intro_key))
    if share:
        share_box()


def share_box() -> None:
    """The sidebar's link to this network, language and dataset, with Streamlit's copy button."""
    from ui import state

    state.sync_url()
    with st.sidebar.expander(t("share.title")):
        st.caption(t("share.help"))
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(state.share_link(base), language=None)
