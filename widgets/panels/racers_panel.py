"""Racers panel: the table of racers, add / duplicate / remove / lecture set, and the selected racer's editor.

The editor shows one checked field per hyperparameter (out of range: refused at the field, range shown) and the
optimizer's update rule in the lecture's notation, the same text as the table's tooltip.
"""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHeaderView,
                               QLabel, QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem, QToolButton,
                               QVBoxLayout, QWidget)

from lab.optimizers import OPTIMIZERS, optimizer_spec, pieces
from lab.optimizers import label as optimizer_label
from widgets.model import LabModel
from widgets.panels.param_field import ParamField, show_value
from widgets.panels.tables import swatch
from widgets.style import FONT_PT, PALETTE, PALETTE_NAMES, font

COL_ON, COL_LABEL, COL_LR = range(3)


def rule_text(optimizer: str) -> str:
    spec = optimizer_spec(optimizer)
    return f"{optimizer_label(optimizer)}: {spec.summary}\n\n{spec.rule}"


def hyper_summary(optimizer: str, hyper: dict) -> str:
    """The values that matter, short: 'lr=0.00071 ρ=0.9' (defaults the lecture rarely changes left out)."""
    spec = optimizer_spec(optimizer)
    parts = []
    for p in spec.params:
        v = hyper.get(p.name, p.default)
        if p.name != "lr" and p.name not in ("rho",) and v == p.default:
            continue
        parts.append(f"{p.short}={show_value(v)}")
    return "  ".join(parts)


class RacersPanel(QGroupBox):
    def __init__(self, model: LabModel, parent: QWidget | None = None):
        super().__init__("Racers", parent)
        self.model = model
        self.setObjectName("racersPanel")
        layout = QVBoxLayout(self)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("racerTable")
        self.table.setHorizontalHeaderLabels(["On", "Racer", "lr"])
        self.table.setFont(font(FONT_PT))
        self.table.setIconSize(QSize(14, 14))
        self.table.horizontalHeader().setFont(font(FONT_PT))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked |
                                   QAbstractItemView.EditTrigger.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_ON, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_LABEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_LR, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 5)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        layout.addWidget(self.table)

        buttons = QGridLayout()
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addRacerButton")
        self.add_button.setToolTip("add a racer: the next lecture optimizer, tuned for this objective")
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setObjectName("duplicateRacerButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeRacerButton")
        self.lecture_button = QPushButton("Lecture set")
        self.lecture_button.setObjectName("lectureSetButton")
        self.lecture_button.setToolTip("SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, Newton, with step sizes\n"
                                       "from this objective's curvature at the start and its size (lab/presets.py)")
        for i, b in enumerate((self.add_button, self.duplicate_button, self.remove_button, self.lecture_button)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b, i // 2, i % 2)
        self.add_button.clicked.connect(lambda: self.model.add_racer())
        self.duplicate_button.clicked.connect(lambda: self.model.duplicate_racer(self.model.selected_row))
        self.remove_button.clicked.connect(lambda: self.model.remove_racer(self.model.selected_row))
        self.lecture_button.clicked.connect(lambda: self.model.use_lecture_set())
        layout.addLayout(buttons)

        self.editor = QWidget()
        self.editor.setObjectName("racerEditor")
        ed = QVBoxLayout(self.editor)
        ed.setContentsMargins(0, 4, 0, 0)
        top = QFormLayout()
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        for name, spec in OPTIMIZERS.items():
            self.optimizer_combo.addItem(name, name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, rule_text(name), Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_chosen)
        self.optimizer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.optimizer_combo.setMinimumContentsLength(8)
        self.color_combo = QComboBox()
        self.color_combo.setObjectName("colorCombo")
        for c, n in zip(PALETTE, PALETTE_NAMES):
            self.color_combo.addItem(swatch(c), n, c)
        self.color_combo.currentIndexChanged.connect(self._on_color_chosen)
        self.color_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.color_combo.setMinimumContentsLength(6)
        top.addRow("Optimizer", self.optimizer_combo)
        top.addRow("Colour", self.color_combo)
        ed.addLayout(top)
        self.hyper_grid = QGridLayout()
        self.hyper_grid.setHorizontalSpacing(8)
        self.hyper_grid.setVerticalSpacing(4)
        ed.addLayout(self.hyper_grid)
        # A first-order optimizer's schedule and clipping, folded away until wanted (open when one is on).
        self.pieces_toggle = QToolButton()
        self.pieces_toggle.setObjectName("piecesToggle")
        self.pieces_toggle.setText("Schedule && clipping")
        self.pieces_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.pieces_toggle.setCheckable(True)
        self.pieces_toggle.setAutoRaise(True)
        self.pieces_toggle.setFont(font(FONT_PT))
        self.pieces_toggle.toggled.connect(self._on_pieces_toggled)
        ed.addWidget(self.pieces_toggle)
        self.pieces_box = QWidget()
        self.pieces_box.setObjectName("piecesBox")
        self.pieces_form = QFormLayout(self.pieces_box)
        self.pieces_form.setContentsMargins(12, 0, 0, 0)
        self.pieces_box.hide()
        ed.addWidget(self.pieces_box)
        self.fields: dict[str, ParamField] = {}
        self.rule = QLabel()
        self.rule.setObjectName("ruleLabel")
        self.rule.setWordWrap(True)
        self.rule.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rule.setStyleSheet("QLabel { background: #F4F4F4; border: 1px solid #C8C8C8; padding: 6px; }")
        rule_font = font(FONT_PT)
        rule_font.setFamilies(["DejaVu Serif", "Noto Serif", "Cambria Math", "Times New Roman", "serif"])
        self.rule.setFont(rule_font)  # serif: math-like, and its combining hats (m̂, v̂) sit on their letters
        ed.addWidget(self.rule)
        layout.addWidget(self.editor)
        layout.addStretch(1)

        model.racersChanged.connect(self._on_racers_changed)
        model.selectionChanged.connect(self._on_selection_changed)
        self._editor_key: tuple | None = None
        self._on_racers_changed()
        self._on_selection_changed(model.selected_row)

    # ----- the table -------------------------------------------------------------------------------------------
    @Slot()
    def _on_racers_changed(self) -> None:
        with QSignalBlocker(self.table):
            self.table.setRowCount(len(self.model.racers))
            for row, r in enumerate(self.model.racers):
                on = QTableWidgetItem()
                on.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                on.setCheckState(Qt.CheckState.Checked if r.enabled else Qt.CheckState.Unchecked)
                on.setToolTip("switch this racer on or off")
                label = QTableWidgetItem(swatch(r.color or "#888888"), r.name)
                label.setToolTip(f"{rule_text(r.optimizer)}\n\n(double-click to rename)")
                lr = r.hyperparameters.get("lr", optimizer_spec(r.optimizer).param("lr").default)
                hyp = QTableWidgetItem(show_value(lr))
                hyp.setFlags(hyp.flags() & ~Qt.ItemFlag.ItemIsEditable)
                hyp.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                hyp.setToolTip(hyper_summary(r.optimizer, r.hyperparameters) +
                               "\nedit below the table; each field shows its allowed range")
                for col, item in ((COL_ON, on), (COL_LABEL, label), (COL_LR, hyp)):
                    if not r.enabled and col != COL_ON:
                        item.setForeground(QBrush(QColor("#909090")))
                    self.table.setItem(row, col, item)
            rows = max(len(self.model.racers), 3)
            height = (self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
                      + rows * self.table.verticalHeader().defaultSectionSize() + 2)
            self.table.setFixedHeight(min(height, 12 * self.table.verticalHeader().defaultSectionSize()))
        self._on_selection_changed(self.model.selected_row)

    @Slot(QTableWidgetItem)
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if item.column() == COL_ON:
            self.model.update_racer(row, enabled=item.checkState() == Qt.CheckState.Checked)
        elif item.column() == COL_LABEL:
            self.model.update_racer(row, label=item.text())

    @Slot()
    def _on_table_selection(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) == 1:
            self.model.select(rows.pop())

    @Slot(int)
    def _on_selection_changed(self, row: int) -> None:
        if 0 <= row < self.table.rowCount():
            with QSignalBlocker(self.table):
                self.table.selectRow(row)
        self._build_editor(row)

    # ----- the editor ------------------------------------------------------------------------------------------
    def _build_editor(self, row: int) -> None:
        racers = self.model.racers
        has = 0 <= row < len(racers)
        self.editor.setEnabled(has)
        self.duplicate_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        if not has:
            self.rule.setText("Add a racer, or press Lecture set.")
            return
        r = racers[row]
        with QSignalBlocker(self.optimizer_combo), QSignalBlocker(self.color_combo):
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(r.optimizer))
            i = self.color_combo.findData(r.color)
            if i < 0 and r.color:
                self.color_combo.addItem(swatch(r.color), r.color, r.color)
                i = self.color_combo.count() - 1
            self.color_combo.setCurrentIndex(i)
        self.rule.setText(rule_text(r.optimizer))
        spec = optimizer_spec(r.optimizer)
        shown = spec.shown_params(r.hyperparameters)  # a schedule's own fields only when it is chosen
        key = (row, r.optimizer, tuple(p.name for p in shown))
        if self._editor_key == key:
            for p in shown:
                if not self.fields[p.name].invalid:
                    self.fields[p.name].set_value(r.hyperparameters.get(p.name, p.default))
            return
        for grid in (self.hyper_grid, self.pieces_form):
            while grid.count():
                w = grid.takeAt(0).widget()
                if w is not None:
                    w.hide()
                    w.deleteLater()
        self.fields = {}
        own = spec.own_params
        numbers = [p for p in own if p.kind != "bool"]
        switches = [p for p in own if p.kind == "bool"]
        for p in shown[len(own):]:  # the schedule (with what it reads) and the clipping, one to a row
            f = ParamField(p, r.hyperparameters.get(p.name, p.default), f"optimizer {r.optimizer!r}", text=p.short)
            f.accepted.connect(self._on_hyper_accepted)
            self.fields[p.name] = f
            name = QLabel(p.short)
            name.setToolTip(p.doc)
            self.pieces_form.addRow(name, f)
        self.pieces_toggle.setVisible(spec.first_order)
        with QSignalBlocker(self.pieces_toggle):
            is_on = bool(pieces.active(r.hyperparameters))
            self.pieces_toggle.setChecked(spec.first_order and (is_on or self.pieces_toggle.isChecked()))
        self._on_pieces_toggled(self.pieces_toggle.isChecked())
        for i, p in enumerate(numbers + switches):  # numbers two to a row, then one switch per row
            f = ParamField(p, r.hyperparameters.get(p.name, p.default), f"optimizer {r.optimizer!r}", text=p.short)
            f.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # squeeze, never clip
            f.accepted.connect(self._on_hyper_accepted)
            self.fields[p.name] = f
            if p.kind == "bool":
                self.hyper_grid.addWidget(f, (len(numbers) + 1) // 2 + i - len(numbers), 0, 1, 4)
                continue
            row_, col = divmod(i, 2)
            name = QLabel(p.short)
            name.setToolTip(p.doc)
            self.hyper_grid.addWidget(name, row_, 2 * col, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            self.hyper_grid.addWidget(f, row_, 2 * col + 1, Qt.AlignmentFlag.AlignTop)
        self.hyper_grid.setColumnStretch(1, 1)
        self.hyper_grid.setColumnStretch(3, 1)
        self._editor_key = key

    @Slot(bool)
    def _on_pieces_toggled(self, open_: bool) -> None:
        self.pieces_toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.pieces_box.setVisible(open_ and not self.pieces_toggle.isHidden())

    @Slot(int)
    def _on_optimizer_chosen(self, index: int) -> None:
        row = self.model.selected_row
        if row >= 0 and index >= 0:
            self.model.update_racer(row, optimizer=self.optimizer_combo.itemData(index))

    @Slot(int)
    def _on_color_chosen(self, index: int) -> None:
        row = self.model.selected_row
        if row >= 0 and index >= 0:
            self.model.update_racer(row, color=self.color_combo.itemData(index))

    @Slot(str, object)
    def _on_hyper_accepted(self, name: str, value) -> None:
        if not self.model.set_hyperparameter(self.model.selected_row, name, value) and name in self.fields:
            self.fields[name].refuse(self.model.refusal)  # refused with the others (lr_min < lr)


__all__ = ["RacersPanel"]
